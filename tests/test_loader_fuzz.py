"""Property tests of the photo loader: whatever the bytes, a Photo or a DepthreelError."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from depthreel.errors import DepthreelError
from depthreel.photo import MIN_SIDE, load_photo

MAGIC = [
    b"",
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    b"\xff\xd8\xff\xe1\x00\x40Exif\x00\x00MM\x00*",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    b"RIFF\x20\x00\x00\x00WEBPVP8 ",
    b"II*\x00\x08\x00\x00\x00",
    b"MM\x00*\x00\x00\x00\x08",
    b"GIF89a",
    b"BM",
    b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
    b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf",
]
SUFFIXES = [".jpg", ".png", ".heic", ".avif", ".webp", ".tif", ".gif", ".bin"]
FORMATS = {  # format -> modes it can store
    "PNG": ["1", "L", "LA", "P", "RGB", "RGBA", "I;16"],
    "JPEG": ["L", "RGB", "CMYK"],
    "WEBP": ["RGB", "RGBA"],
    "TIFF": ["1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "I;16", "F"],
    "GIF": ["L", "P"],
    "BMP": ["1", "L", "P", "RGB"],
}
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


def load(data: bytes, suffix: str):
    """load_photo on `data`: the Photo, or None after a DepthreelError; anything else fails."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            photo = load_photo(path)
        except DepthreelError as exc:
            assert "\n" not in str(exc) and str(path) in str(exc)
            return None
    assert photo.rgb.dtype == np.float32 and photo.rgb.ndim == 3 and photo.rgb.shape[2] == 3
    assert np.isfinite(photo.rgb).all() and photo.rgb.min() >= 0 and photo.rgb.max() <= 1
    return photo


@FUZZ
@given(st.sampled_from(MAGIC), st.binary(max_size=3000), st.sampled_from(SUFFIXES))
def test_random_bytes(magic, body, suffix):
    load(magic + body, suffix)


@st.composite
def encoded_images(draw):
    fmt = draw(st.sampled_from(sorted(FORMATS)))
    mode = draw(st.sampled_from(FORMATS[fmt]))
    width, height = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    image = Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))
    if mode == "F":
        image = Image.fromarray(rng.random((height, width)).astype(np.float32))
    elif mode == "I;16":
        image = Image.fromarray(rng.integers(0, 65536, (height, width), dtype=np.uint16))
    else:
        image = image.convert(mode)
    options = {"exif": _orientation(draw(st.integers(1, 8)))} if fmt in ("JPEG", "PNG") else {}
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue(), (width, height)


def _orientation(value: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


@FUZZ
@given(encoded_images())
def test_random_small_images(encoded):
    data, (width, height) = encoded
    photo = load(data, ".img")
    if min(width, height) < MIN_SIDE:
        assert photo is None
    else:
        assert photo is not None and sorted(photo.rgb.shape[:2]) == sorted((height, width))


@FUZZ
@given(encoded_images(), st.data())
def test_damaged_images(encoded, data):
    """Valid files with bytes overwritten or cut short: still only a Photo or one line."""
    original = bytearray(encoded[0])
    cut = data.draw(st.integers(0, len(original)))
    damaged = original[:cut] if data.draw(st.booleans()) else original
    for _ in range(data.draw(st.integers(0, 8))):
        if damaged:
            damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    load(bytes(damaged), ".img")
