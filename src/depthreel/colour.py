"""Colour: decoded pixels in any profile -> float32 sRGB in [0, 1], alpha over a neutral grey.

Embedded ICC profiles (and HEIF's nclx colour descriptions) are converted with LittleCMS
through imagecodecs, which takes 8- and 16-bit input and returns float32, so a 16-bit photo
keeps its precision through the conversion. Profiles that already are sRGB are skipped, and a
profile LittleCMS cannot use (broken, or for another colour space) is ignored: the pixels are
then taken as sRGB, which is what every viewer does with them too.
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any

import numpy as np

# Transparent pixels are shown over this neutral grey (sRGB 50 %), neither black nor white.
BACKGROUND = np.float32(0.5)
_SPACES = {"L": "gray", "RGB": "rgb", "CMYK": "cmyk"}
_NO_OPTIMIZE = 0x0100  # cmsFLAGS_NOOPTIMIZE
_BAND_PIXELS = 1 << 20  # rows converted at a time: about a megapixel
_UNIT16 = np.float32(1.0 / 65535.0)
# nclx colour_primaries codes (ITU-T H.273) with primaries other than sRGB's that we convert;
# 1 (BT.709 = sRGB) and 2 (unspecified) need nothing.
_NCLX_WIDE_PRIMARIES = {9: "BT.2020", 11: "DCI-P3", 12: "Display P3"}
# nclx transfer characteristics we can honour with the sRGB curve (SDR); PQ (16) and HLG (18)
# are HDR and would need tone mapping, so such photos are left as they are.
_NCLX_SDR_TRANSFERS = {1, 2, 6, 13, 14, 15}


@lru_cache(maxsize=1)
def _srgb_profile() -> bytes:
    import imagecodecs

    return bytes(imagecodecs.cms_profile("srgb"))


def profile_name(icc: bytes) -> str:
    """The ICC profile's description ("Display P3", "sRGB IEC61966-2.1"), '' if unreadable."""
    from PIL import ImageCms

    try:
        return str(ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))))
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return ""


def srgb_curve(samples: int = 4096) -> np.ndarray:
    """The sRGB transfer curve (encoded -> linear), tabulated as float32."""
    x = np.linspace(0.0, 1.0, samples)
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4).astype(np.float32)


def rgb_profile(primaries: list[float], white: tuple[float, float]) -> bytes:
    """An ICC profile for RGB with these xy primaries (r, g, b), white point and the sRGB curve."""
    import imagecodecs

    xyy = [v for i in range(3) for v in (primaries[2 * i], primaries[2 * i + 1], 1.0)]
    return bytes(
        imagecodecs.cms_profile(
            "rgb", primaries=xyy, whitepoint=[*white, 1.0], transferfunction=srgb_curve()
        )
    )


def nclx_profile(nclx: dict[str, Any] | None) -> tuple[bytes, str] | None:
    """An ICC profile for a HEIF nclx description with wide-gamut SDR primaries, else None."""
    if not nclx:
        return None
    name = _NCLX_WIDE_PRIMARIES.get(int(nclx.get("color_primaries", 2)))
    if name is None or int(nclx.get("transfer_characteristics", 13)) not in _NCLX_SDR_TRANSFERS:
        return None
    try:
        primaries = [
            float(nclx[f"color_primary_{c}_{xy}"])
            for c in ("red", "green", "blue")
            for xy in ("x", "y")
        ]
        white = (float(nclx["color_primary_white_x"]), float(nclx["color_primary_white_y"]))
        return rgb_profile(primaries, white), name
    except (KeyError, TypeError, ValueError, RuntimeError):
        return None


@lru_cache(maxsize=16)
def _acts_as_srgb(profile: bytes, space: str) -> bool:
    """Whether converting with `profile` changes nothing (it is sRGB, whatever its name says).

    Judged on a grid of colours rather than the profile's description, which can be anything.
    """
    if space != "RGB":
        return False
    levels = np.linspace(0, 255, 6).astype(np.uint8)
    grid = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), axis=-1).reshape(1, -1, 3)
    out = _transform(grid, space, profile)
    return out is not None and float(np.abs(out - grid / np.float32(255)).max()) < 0.6 / 255


def _transform(colour: np.ndarray, space: str, profile: bytes) -> np.ndarray | None:
    """LittleCMS conversion to float32 sRGB, or None when the profile cannot be used.

    LittleCMS's float output path is some 20x slower than its 16-bit one, so the output is
    16-bit and scaled here, in bands of rows to keep the extra memory small. 8-bit input is
    exact to 0.3/255 that way; 16-bit input would lose up to ~15/255 on out-of-gamut colours
    in LittleCMS's optimised 16-bit tables, so it is transformed unoptimised (slower, exact).
    """
    import imagecodecs

    if colour.dtype not in (np.uint8, np.uint16):
        colour = np.clip(np.round(colour * 65535), 0, 65535).astype(np.uint16)
    h, w = colour.shape[:2]
    out = np.empty((h, w, 3), np.float32)
    flags = _NO_OPTIMIZE if colour.dtype == np.uint16 else 0
    band = max(1, _BAND_PIXELS // max(w, 1))
    try:
        for top in range(0, h, band):
            rows = colour[top : top + band]
            data = np.ascontiguousarray(rows[..., 0] if space == "L" else rows)
            converted = imagecodecs.cms_transform(
                data,
                profile,
                _srgb_profile(),
                colorspace=_SPACES[space],
                outcolorspace="rgb",
                outdtype="uint16",
                flags=flags,
            )
            target = out[top : top + band]
            np.multiply(
                np.asarray(converted).reshape(target.shape), _UNIT16, out=target, dtype=np.float32
            )
    except (imagecodecs.CmsError, ValueError, TypeError, RuntimeError):
        return None
    return out


def _as_float(colour: np.ndarray, space: str, maxval: float) -> np.ndarray:
    """Pixels scaled to [0, 1] as float32 RGB: gray repeated, CMYK by the naive ink formula."""
    scale = np.float32(1.0 / maxval)
    if space == "L":
        gray = np.multiply(colour[..., 0], scale, dtype=np.float32)
        return np.repeat(gray[..., None], 3, axis=2)
    if space == "CMYK":
        white = 1.0 - np.multiply(colour[..., 3], scale, dtype=np.float32)
        rgb = 1.0 - np.multiply(colour[..., :3], scale, dtype=np.float32)
        rgb *= white[..., None]
        return rgb
    return np.multiply(colour, scale, dtype=np.float32)


def to_srgb(
    pixels: np.ndarray,
    space: str,
    maxval: float,
    icc: bytes | None = None,
    nclx: dict[str, Any] | None = None,
) -> tuple[np.ndarray, str]:
    """(h, w, 3) float32 sRGB in [0, 1] and the name of the colour space converted from.

    `pixels` is (h, w, c) with `space` "L", "RGB" or "CMYK" and optionally one more channel of
    alpha; `maxval` is the value of full intensity (255, 65535, 1.0 for float).
    """
    channels = len(space)
    alpha = pixels[..., channels] if pixels.shape[2] > channels else None
    colour = pixels[..., :channels]
    rgb: np.ndarray | None = None
    source = "sRGB"
    profile: tuple[bytes, str] | None = (icc, profile_name(icc)) if icc else nclx_profile(nclx)
    if profile is not None and not _acts_as_srgb(profile[0], space):
        rgb = _transform(colour, space, profile[0])
        if rgb is not None:
            source = profile[1] or "embedded profile"
    if rgb is None:
        rgb = _as_float(colour, space, maxval)
        source = "CMYK (no profile)" if space == "CMYK" else source
    np.clip(rgb, 0.0, 1.0, out=rgb)
    if alpha is not None:
        a = np.multiply(alpha, np.float32(1.0 / maxval), dtype=np.float32)
        np.clip(a, 0.0, 1.0, out=a)
        rgb -= BACKGROUND
        rgb *= a[..., None]
        rgb += BACKGROUND
    return rgb, source
