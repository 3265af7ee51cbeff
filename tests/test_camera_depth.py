"""Depth the camera measured: iPhone HEIC depth images, Google Camera GDepth and GContainer."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import scene_photo
from media import gcontainer_jpeg, gdepth_jpeg, gradient_photo, heic_with_depth
from PIL import Image

from depthreel.camera_depth import camera_depth_for
from depthreel.cli import cli
from depthreel.depth import gdepth, heic_depth
from depthreel.photo import load_photo

PHOTO = gradient_photo(96, 64)
# Stored like the photo (landscape), at half size: the right-hand side is nearest.
RAMP = np.tile(np.linspace(0, 255, 48).round().astype(np.uint8), (32, 1))


def measured(path, shape=None):
    photo = load_photo(path)
    notices: list[str] = []
    found = camera_depth_for(photo, shape or (photo.height, photo.width), notices.append)
    return photo, found, notices


def test_iphone_heic_disparity_is_used_and_aligned(tmp_path):
    path = tmp_path / "portrait.heic"
    path.write_bytes(heic_with_depth(PHOTO, RAMP))
    _photo, found, notices = measured(path)
    assert found is not None and not notices
    depth, source = found
    assert source == "camera (iPhone disparity)"
    assert depth.shape == (64, 96) and depth.dtype == np.float32
    columns = depth.mean(axis=0)
    assert columns[0] > 5 * columns[-1]  # left far, right near
    assert np.all(np.diff(columns) <= 1e-4)  # nearer all the way across


def test_heic_depth_turns_with_a_portrait_photo(tmp_path):
    """The photo is shown turned (irot from EXIF 6); the depth item has no rotation of its own."""
    path = tmp_path / "turned.heic"
    path.write_bytes(heic_with_depth(PHOTO, RAMP, orientation=6))
    photo, found, _ = measured(path, (48, 32))
    assert (photo.width, photo.height) == (64, 96)
    assert found is not None
    rows = found[0].mean(axis=1)
    assert found[0].shape == (48, 32)
    assert rows[0] > 5 * rows[-1]  # the stored left (far) edge is now at the top


def test_heic_without_depth_and_other_auxiliary_images(tmp_path):
    path = tmp_path / "alpha-aux.heic"
    path.write_bytes(heic_with_depth(PHOTO, RAMP, aux_type=b"urn:mpeg:hevc:2015:auxid:1"))
    assert measured(path)[1:] == (None, [])

    Image.fromarray(PHOTO).save(tmp_path / "plain.heic")
    assert measured(tmp_path / "plain.heic")[1:] == (None, [])


def test_heic_depth_representation_info():
    d = np.array([0.0, 0.5, 1.0], np.float32)
    # The values an iPhone writes: uniform disparity between d_min and d_max (1/m).
    iphone = heic_depth.to_distance(d, {"representation_type": 1, "d_min": 1.5, "d_max": 4.4})
    assert iphone.kind == "depth" and iphone.disparity
    np.testing.assert_allclose(iphone.values, [1 / 1.5, 1 / 2.95, 1 / 4.4], rtol=1e-5)
    linear = heic_depth.to_distance(d, {"representation_type": 2, "z_near": 1, "z_far": 5})
    np.testing.assert_allclose(linear.values, [1, 3, 5])
    inverse = heic_depth.to_distance(d, {"representation_type": 0, "z_near": 1, "z_far": 4})
    np.testing.assert_allclose(inverse.values, [4, 1 / (0.25 + 0.5 * 0.75), 1], rtol=1e-5)
    bare = heic_depth.to_distance(d, {})
    assert bare.kind == "inverse" and bare.disparity  # relative disparity, larger = nearer


def test_google_gdepth_range_inverse_with_extended_xmp(tmp_path):
    path = tmp_path / "pixel.jpg"
    path.write_bytes(gdepth_jpeg(PHOTO, RAMP, near=0.5, far=8.0, chunk=500))
    _photo, found, notices = measured(path, (32, 48))
    assert found is not None and not notices
    depth, source = found
    assert source == "camera (Google depth, RangeInverse)"
    assert depth[:, 0].mean() == pytest.approx(0.5, rel=0.02)  # 0 = near in GDepth
    assert depth[:, -1].mean() == pytest.approx(8.0, rel=0.05)
    # RangeInverse is linear in 1/Z: the middle column sits halfway between 1/near and 1/far
    middle = 1 / depth[:, 23:25].mean()
    assert middle == pytest.approx((1 / 0.5 + 1 / 8.0) / 2, rel=0.05)


def test_google_depth_follows_exif_orientation(tmp_path):
    path = tmp_path / "pixel-portrait.jpg"
    path.write_bytes(gdepth_jpeg(PHOTO, RAMP, fmt="RangeLinear", orientation=6))
    photo, found, _ = measured(path, (48, 32))
    assert (photo.width, photo.height) == (64, 96) and found is not None
    rows = found[0].mean(axis=1)
    assert rows[0] == pytest.approx(0.5, rel=0.05) and rows[-1] == pytest.approx(8.0, rel=0.05)


def test_google_gcontainer_appended_depth(tmp_path):
    path = tmp_path / "container.jpg"
    path.write_bytes(gcontainer_jpeg(PHOTO, RAMP, near=1.0, far=3.0))
    _, found, notices = measured(path, (32, 48))
    assert found is not None and not notices
    assert found[1] == "camera (Google depth, RangeLinear)"
    np.testing.assert_allclose(found[0][:, 0], 1.0, rtol=0.03)
    np.testing.assert_allclose(found[0][:, -1], 3.0, rtol=0.03)


def test_xmp_parsing_of_element_and_attribute_forms():
    packet = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf='
        b'"http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        b'xmlns:GDepth="http://ns.google.com/photos/1.0/depthmap/" GDepth:Near="0.3">'
        b"<GDepth:Far>6</GDepth:Far></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    props = gdepth.properties(gdepth.parse_xmp(packet))
    assert props == {"GDepth:Near": "0.3", "GDepth:Far": "6"}
    assert gdepth.parse_xmp(b"<x:xmpmeta>not xml") is None


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda data: data.replace(b"GDepth:Data>", b"GDepth:Other>"), "map itself is missing"),
        (lambda data: data.replace(b"iVBOR", b"AAAAA"), "cannot be decoded"),
    ],
)
def test_broken_camera_depth_falls_back_with_a_notice(tmp_path, damage, reason):
    path = tmp_path / "broken.jpg"
    path.write_bytes(damage(gdepth_jpeg(PHOTO, RAMP)))
    _, found, notices = measured(path)
    assert found is None
    assert len(notices) == 1 and reason in notices[0] and "estimating instead" in notices[0]


def test_camera_depth_of_another_shape_falls_back(tmp_path):
    path = tmp_path / "square-depth.jpg"
    path.write_bytes(
        gdepth_jpeg(PHOTO, np.zeros((40, 40), np.uint8) + np.arange(40, dtype=np.uint8))
    )
    _, found, notices = measured(path)
    assert found is None and "does not fit" in notices[0]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_depth_command_says_it_used_the_camera_depth(tmp_path):
    path = tmp_path / "portrait.heic"
    path.write_bytes(heic_with_depth(PHOTO, RAMP))
    out = tmp_path / "d.png"
    result = run("depth", path, "-o", out, "--no-preview")
    assert result.exit_code == 0, result.output
    assert "depth from camera (iPhone disparity)" in result.output
    saved = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert saved.shape == (64, 96) and saved.dtype == np.uint16
    assert saved[:, -4:].mean() > saved[:, :4].mean() + 40000  # white = near, on the right

    estimated = run(
        "depth", path, "-o", tmp_path / "e.png", "--no-preview", "--estimator", "classic"
    )
    assert estimated.exit_code == 0 and "depth from estimator classic" in estimated.output


def test_a_depth_file_and_a_named_estimator_override_the_camera(tmp_path, registry):
    from depthreel.depthmap import photo_depth

    path = tmp_path / "portrait.heic"
    path.write_bytes(heic_with_depth(PHOTO, RAMP))
    photo = load_photo(path)
    np.save(tmp_path / "mine.npy", np.ones((64, 96), np.float32) * np.arange(96))
    assert photo_depth(photo, registry, print).source == "camera (iPhone disparity)"
    chosen = photo_depth(photo, registry, print, estimator="classic")
    assert chosen.source == "estimator classic"
    given = photo_depth(photo, registry, print, depth_file=tmp_path / "mine.npy")
    assert given.source.startswith("file ")


def test_render_uses_the_camera_depth_of_a_portrait_heic(tmp_path):
    from conftest import probe

    photo = np.asarray(Image.open(scene_photo(tmp_path / "s.jpg")))
    disparity = np.zeros((120, 160), np.uint8)
    disparity[40:90, 53:107] = 255  # the box in the middle is near
    path = tmp_path / "portrait.heic"
    path.write_bytes(heic_with_depth(photo, disparity, orientation=6))
    out = tmp_path / "clip.mp4"
    result = run("render", path, "-o", out, "--preset", "preview", "--duration", "0.5")
    assert result.exit_code == 0, result.output
    assert "depth from camera (iPhone disparity)" in result.output
    info = probe(out)
    assert (info.width, info.height, info.frames) == (360, 640, 12)
