"""Photos as phones and cameras write them: every format, upright, in sRGB, at full precision."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from media import (
    display_p3_icc,
    exif_bytes,
    gradient_photo,
    p3_to_srgb_reference,
)
from PIL import Image, ImageCms, ImageOps

from depthreel.exif import apply_orientation
from depthreel.photo import load_photo
from depthreel.scene import Intrinsics

PHOTO = gradient_photo(96, 64)


@pytest.mark.parametrize(
    ("fmt", "suffix", "options", "tolerance"),
    [
        ("JPEG", "jpg", {"quality": 95}, 6),
        ("PNG", "png", {}, 0.5),
        ("WEBP", "webp", {"lossless": True}, 0.5),
        ("WEBP", "webp", {"quality": 90}, 8),
        ("TIFF", "tif", {"compression": "tiff_lzw"}, 0.5),
        ("AVIF", "avif", {"quality": 90}, 8),
        ("HEIF", "heic", {"quality": 90}, 8),
    ],
)
def test_every_format_loads_as_float_srgb(tmp_path, fmt, suffix, options, tolerance):
    path = tmp_path / f"photo.{suffix}"
    Image.fromarray(PHOTO).save(path, format=fmt, **options)
    photo = load_photo(path)
    assert photo.rgb.dtype == np.float32 and photo.rgb.shape == (64, 96, 3)
    assert photo.rgb.min() >= 0.0 and photo.rgb.max() <= 1.0
    assert np.abs(photo.rgb * 255 - PHOTO).mean() < tolerance
    assert photo.format == fmt


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF", "HEIF"])
def test_exif_orientation_is_applied_as_pillow_does(tmp_path, fmt, orientation):
    path = tmp_path / f"turned.{fmt.lower()}"
    # TIFF keeps the orientation tag in its own directory, the others in an EXIF block.
    tags = (
        {"tiffinfo": {0x0112: orientation}} if fmt == "TIFF" else {"exif": exif_bytes(orientation)}
    )
    Image.fromarray(PHOTO).save(path, format=fmt, quality=95, **tags)
    photo = load_photo(path)
    expected = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))
    assert photo.rgb.shape == expected.shape
    assert np.abs(photo.rgb * 255 - expected).mean() < 1.0
    if fmt != "TIFF":  # Pillow turns compressed TIFFs itself while decoding
        assert photo.orientation == orientation


def test_portrait_phone_photo_is_upright(tmp_path):
    """Stored sideways (landscape) with orientation 6: shown portrait, left edge at the top."""
    path = tmp_path / "portrait.jpg"
    Image.fromarray(PHOTO).save(path, exif=exif_bytes(6), quality=95)
    photo = load_photo(path)
    assert (photo.width, photo.height) == (64, 96)
    red = photo.rgb[..., 0].mean(axis=1)  # red grows left to right in the stored image
    assert red[-1] - red[0] > 0.5  # ... so it grows top to bottom once turned clockwise


def test_orientation_helper_matches_pillow():
    image = Image.fromarray(PHOTO)
    for orientation in range(1, 9):
        exif = image.getexif()
        exif[0x0112] = orientation
        image.info["exif"] = exif.tobytes()
        expected = np.asarray(ImageOps.exif_transpose(image))
        assert np.array_equal(apply_orientation(PHOTO, orientation), expected), orientation


def test_display_p3_photo_is_converted_not_dulled(tmp_path):
    """The same pixel values mean more saturated colours in Display P3 than in sRGB."""
    colour = np.zeros((32, 32, 3), np.uint8)
    colour[:] = [200, 120, 60]
    colour[16:] = [40, 160, 90]
    tagged, plain = tmp_path / "p3.png", tmp_path / "plain.png"
    Image.fromarray(colour).save(tagged, icc_profile=display_p3_icc())
    Image.fromarray(colour).save(plain)
    p3, srgb = load_photo(tagged), load_photo(plain)
    expected = p3_to_srgb_reference(np.array([[200, 120, 60], [40, 160, 90]], float))
    np.testing.assert_allclose(p3.rgb[0, 0], expected[0], atol=1 / 255)
    np.testing.assert_allclose(p3.rgb[-1, 0], expected[1], atol=1 / 255)
    assert np.abs(p3.rgb - srgb.rgb).max() > 10 / 255  # measurably different
    # more saturated: the spread between channels grows
    assert np.ptp(p3.rgb[0, 0]) > np.ptp(srgb.rgb[0, 0]) + 0.02


def test_display_p3_jpeg_and_srgb_profile_is_a_no_op(tmp_path):
    colour = np.full((32, 32, 3), [200, 120, 60], np.uint8)
    srgb_icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.fromarray(colour).save(tmp_path / "s.png", icc_profile=srgb_icc)
    np.testing.assert_allclose(load_photo(tmp_path / "s.png").rgb[0, 0], colour[0, 0] / 255)
    Image.fromarray(colour).save(tmp_path / "p3.jpg", icc_profile=display_p3_icc(), quality=98)
    assert load_photo(tmp_path / "p3.jpg").rgb[0, 0, 0] > 205 / 255


def test_heic_nclx_display_p3_is_converted(tmp_path):
    import pillow_heif

    colour = np.full((32, 32, 3), [200, 120, 60], np.uint8)
    heif = pillow_heif.from_pillow(Image.fromarray(colour))
    p3 = {"color_primaries": 12, "transfer_characteristics": 13, "matrix_coefficients": 6}
    heif.save(tmp_path / "p3.heic", quality=-1, nclx_profile={**p3, "full_range_flag": 1})
    heif.save(tmp_path / "srgb.heic", quality=-1)
    p3_photo, srgb_photo = load_photo(tmp_path / "p3.heic"), load_photo(tmp_path / "srgb.heic")
    assert p3_photo.colour == "Display P3" and srgb_photo.colour == "sRGB"
    assert p3_photo.rgb[16, 16, 0] - srgb_photo.rgb[16, 16, 0] > 8 / 255


def test_sixteen_bit_png_and_tiff_keep_their_precision(tmp_path):
    ramp = np.linspace(20000, 20400, 64 * 48 * 3).reshape(48, 64, 3).astype(np.uint16)
    for suffix in ("png", "tif"):
        path = tmp_path / f"deep.{suffix}"
        cv2.imwrite(str(path), ramp[..., ::-1])  # OpenCV writes BGR
        photo = load_photo(path)
        assert photo.bits == 16
        np.testing.assert_allclose(photo.rgb, ramp / 65535.0, atol=1e-6)
        assert len(np.unique(photo.rgb)) > 300  # 8 bits would leave only ~2 levels here


def test_sixteen_bit_with_profile_keeps_precision_through_conversion(tmp_path):
    ramp = np.linspace(30000, 30300, 64 * 48).reshape(48, 64).astype(np.uint16)
    image = np.stack([ramp, ramp // 2, ramp // 3], axis=-1)
    ok, encoded = cv2.imencode(".png", image[..., ::-1])
    assert ok
    # Re-save through Pillow is 8-bit only, so splice the profile in as an iCCP chunk.
    path = tmp_path / "deep-p3.png"
    path.write_bytes(with_iccp(encoded.tobytes(), display_p3_icc()))
    photo = load_photo(path)
    assert photo.bits == 16 and photo.colour != "sRGB"
    assert len(np.unique(photo.rgb[..., 0])) > 200


def with_iccp(png: bytes, icc: bytes) -> bytes:
    """A PNG with an iCCP chunk inserted after IHDR."""
    import struct
    import zlib

    body = b"iCCP" + b"P3\x00\x00" + zlib.compress(icc)
    chunk = struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body))
    return png[:33] + chunk + png[33:]


def test_ten_bit_heic_keeps_its_precision(tmp_path):
    import pillow_heif

    ramp = np.linspace(30000, 31000, 64 * 48 * 3).reshape(48, 64, 3).astype(np.uint16)
    heif = pillow_heif.from_bytes("RGB;16", (64, 48), ramp.tobytes())
    heif.save(tmp_path / "hdr.heic", quality=-1)
    photo = load_photo(tmp_path / "hdr.heic")
    assert photo.bits == 10
    assert len(np.unique(np.round(photo.rgb[..., 1] * 1023))) > 10  # 8 bits: about 4 levels
    np.testing.assert_allclose(photo.rgb, ramp / 65535.0, atol=4 / 255)


def test_gray_palette_and_alpha_images(tmp_path):
    gray = PHOTO[..., 1]
    Image.fromarray(gray).save(tmp_path / "gray.png")
    loaded = load_photo(tmp_path / "gray.png").rgb
    np.testing.assert_allclose(loaded[..., 0], gray / 255, atol=1e-6)
    assert np.array_equal(loaded[..., 0], loaded[..., 2])

    Image.fromarray(PHOTO).quantize(16).save(tmp_path / "palette.png")
    assert np.abs(load_photo(tmp_path / "palette.png").rgb * 255 - PHOTO).mean() < 12

    rgba = np.dstack([PHOTO, np.zeros(PHOTO.shape[:2], np.uint8)])
    rgba[:, 48:, 3] = 255
    Image.fromarray(rgba).save(tmp_path / "cutout.png")
    loaded = load_photo(tmp_path / "cutout.png").rgb
    np.testing.assert_allclose(loaded[:, :48], 0.5, atol=1e-6)  # transparent: neutral grey
    np.testing.assert_allclose(loaded[:, 48:], PHOTO[:, 48:] / 255, atol=1e-6)

    Image.fromarray(PHOTO).convert("P").save(tmp_path / "clear.gif", transparency=0)
    assert load_photo(tmp_path / "clear.gif").rgb.shape == (64, 96, 3)


def test_cmyk_jpeg(tmp_path):
    cmyk = np.zeros((32, 32, 4), np.uint8)
    cmyk[:, :16] = [0, 255, 255, 0]  # red ink mix
    cmyk[:, 16:] = [0, 0, 0, 128]  # half black
    Image.frombytes("CMYK", (32, 32), cmyk.tobytes()).save(tmp_path / "print.jpg", quality=98)
    rgb = load_photo(tmp_path / "print.jpg").rgb
    np.testing.assert_allclose(rgb[16, 4], [1, 0, 0], atol=0.04)
    np.testing.assert_allclose(rgb[16, 28], [0.5, 0.5, 0.5], atol=0.04)


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"0xA405": 26}, 26.0),  # FocalLengthIn35mmFilm
        # 6.86 mm lens on a 1/1.28" sensor (9.8 x 7.4 mm) at 4000x3000: about 24 mm equivalent
        (
            {"0x920A": 6.86, "0xA20E": 4000 / 0.98, "0xA20F": 3000 / 0.74, "0xA210": 3},
            6.86 * 43.2666 / float(np.hypot(9.8, 7.4)),
        ),
        ({"0x920A": 4.2}, None),  # a focal length without sensor size says nothing
        ({"0xA405": 0}, None),
    ],
)
def test_focal_length_from_exif(tmp_path, tags, expected):
    path = tmp_path / "lens.jpg"
    size = (4000 // 50, 3000 // 50)
    tags = {**tags, "0xA002": 4000, "0xA003": 3000} if "0xA20E" in tags else tags
    Image.new("RGB", size).save(path, exif=exif_bytes(1, **tags))
    photo = load_photo(path)
    if expected is None:
        assert photo.focal_35mm is None
    else:
        assert photo.focal_35mm == pytest.approx(expected, rel=1e-3)


def test_focal_length_sets_the_field_of_view():
    wide = Intrinsics.from_focal_35mm(4000, 3000, 13.0)
    normal = Intrinsics.from_focal_35mm(4000, 3000, 26.0)
    assert normal.focal == pytest.approx(2 * wide.focal)
