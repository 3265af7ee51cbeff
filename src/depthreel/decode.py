"""Decoding an opened photo to a pixel array at its full bit depth, with its colour metadata.

Pillow reads every format (HEIC/HEIF through pillow-heif's opener; AVIF, WebP, PNG, JPEG,
TIFF natively) but keeps only 8 bits of colour images. Where a file holds more, the pixels come
from a decoder that keeps them: pillow-heif for 10/12-bit HEIC, OpenCV for 16-bit PNG and TIFF.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

HEIF_FORMATS = ("HEIF", "HEIC")
# Pillow modes -> the mode to convert to: L, LA, RGB, RGBA or CMYK (+ kept as they are).
_CONVERT = {"1": "L", "La": "LA", "RGBa": "RGBA", "RGBX": "RGB", "PA": "RGBA"}
_KEEP = ("L", "LA", "RGB", "RGBA", "CMYK")


@dataclass
class Decoded:
    """Pixels (h, w, c) as stored (uint8, uint16 or float32) and how to interpret them."""

    pixels: np.ndarray
    space: str  # "L", "RGB" or "CMYK"; one more channel than len(space) is alpha
    maxval: float  # the value of full intensity
    bits: int
    icc: bytes | None = None
    nclx: dict[str, Any] | None = None


def _high_bit_heif(path: Path, image: Any) -> Decoded | None:
    """10/12-bit HEIC at full precision (pillow-heif shifts samples to the top of 16 bits)."""
    bits = int(image.info.get("bit_depth", 8) or 8)
    if image.format not in HEIF_FORMATS or bits <= 8:
        return None
    import pillow_heif

    heif = pillow_heif.open_heif(path, convert_hdr_to_8bit=False)
    pixels = np.asarray(heif)
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    if pixels.dtype != np.uint16 or pixels.shape[2] not in (1, 2, 3, 4):
        return None
    maxval = float(((1 << bits) - 1) << (16 - bits))
    space = "L" if pixels.shape[2] <= 2 else "RGB"
    icc = heif.info.get("icc_profile") or None
    return Decoded(pixels, space, maxval, bits, icc, heif.info.get("nclx_profile"))


def _rawmode(image: Any) -> str:
    """The decoder's raw mode ("RGB;16B" for a 16-bit PNG), '' when unknown."""
    tile = getattr(image, "tile", None)
    if not tile:
        return ""
    args = tile[0].args
    if isinstance(args, tuple) and args:
        args = args[0]
    return args if isinstance(args, str) else ""


def _sixteen_bit_colour(path: Path, image: Any) -> Decoded | None:
    """16-bit RGB(A) PNG and TIFF, which Pillow would cut to 8 bits, through OpenCV."""
    if image.mode not in ("RGB", "RGBA") or "16" not in _rawmode(image):
        return None
    import cv2

    data = np.fromfile(path, dtype=np.uint8)
    pixels = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if (
        pixels is None
        or pixels.dtype != np.uint16
        or pixels.ndim != 3
        or pixels.shape[:2] != (image.size[1], image.size[0])
        or pixels.shape[2] not in (3, 4)
    ):
        return None
    order = [2, 1, 0, 3][: pixels.shape[2]]  # OpenCV's BGR(A) -> RGB(A)
    return Decoded(pixels[..., order], "RGB", 65535.0, 16, image.info.get("icc_profile"))


def _pillow(image: Any) -> Decoded:
    """Everything else through Pillow: 8-bit modes, 16-bit and float grayscale."""
    icc = image.info.get("icc_profile") or None
    nclx = image.info.get("nclx_profile") if image.format in HEIF_FORMATS else None
    bits = int(image.info.get("bit_depth", 8) or 8) if image.format in HEIF_FORMATS else 8
    mode = image.mode
    if mode.startswith("I;16") or mode == "I":
        pixels = np.asarray(image)
        pixels = np.clip(pixels, 0, 65535).astype(np.uint16)[..., None]
        return Decoded(pixels, "L", 65535.0, 16, icc)
    if mode == "F":
        pixels = np.asarray(image, dtype=np.float32)
        pixels = np.nan_to_num(pixels, nan=0.0, posinf=1.0, neginf=0.0)[..., None]
        return Decoded(pixels, "L", 1.0, 32, icc)
    if mode == "P":
        target = "RGBA" if "transparency" in image.info else "RGB"
    else:
        target = mode if mode in _KEEP else _CONVERT.get(mode, "RGB")
    if target != mode:
        image = image.convert(target)
    pixels = np.asarray(image)
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    space = {"L": "L", "LA": "L", "RGB": "RGB", "RGBA": "RGB", "CMYK": "CMYK"}[target]
    return Decoded(pixels, space, 255.0, bits, icc, nclx)


def decode(path: Path, image: Any) -> Decoded:
    """Decode an opened Pillow image (of the file `path`) at the best precision available."""
    return _high_bit_heif(path, image) or _sixteen_bit_colour(path, image) or _pillow(image)
