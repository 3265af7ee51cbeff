"""What a photo's EXIF says about how to show it: orientation, and the lens's field of view."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

ORIENTATION = 0x0112
EXIF_IFD = 0x8769
FOCAL_LENGTH = 0x920A
FOCAL_LENGTH_35MM = 0xA405
EXIF_IMAGE_WIDTH = 0xA002
EXIF_IMAGE_HEIGHT = 0xA003
FOCAL_PLANE_X_RES = 0xA20E
FOCAL_PLANE_Y_RES = 0xA20F
FOCAL_PLANE_UNIT = 0xA210
MAKE = 0x010F

FULL_FRAME_DIAGONAL_MM = math.hypot(36.0, 24.0)
# FocalPlaneResolutionUnit -> millimetres per unit (2 = inch, 3 = cm, 4 = mm, 5 = micrometre).
_UNIT_MM = {1: 25.4, 2: 25.4, 3: 10.0, 4: 1.0, 5: 0.001}
# A 35 mm-equivalent focal length outside this range is a broken tag, not a real lens.
_PLAUSIBLE_35MM = (4.0, 2000.0)


def orientation_of(exif: Mapping[int, Any]) -> int:
    """The EXIF orientation (1-8); 1 when absent or invalid."""
    try:
        value = int(exif.get(ORIENTATION, 1))
    except (TypeError, ValueError):
        return 1
    return value if 1 <= value <= 8 else 1


def apply_orientation(array: np.ndarray, orientation: int) -> np.ndarray:
    """`array` (h, w[, c]) turned the way EXIF `orientation` says it is shown (a view, no copy).

    Same transforms as PIL.ImageOps.exif_transpose: 2 mirror, 3 turn 180, 4 flip, 5 transpose,
    6 turn 90 clockwise, 7 transverse, 8 turn 90 counter-clockwise.
    """
    if orientation == 2:
        return array[:, ::-1]
    if orientation == 3:
        return array[::-1, ::-1]
    if orientation == 4:
        return array[::-1]
    if orientation == 5:
        return array.swapaxes(0, 1)
    if orientation == 6:
        return np.rot90(array, -1)
    if orientation == 7:
        return array.swapaxes(0, 1)[::-1, ::-1]
    if orientation == 8:
        return np.rot90(array, 1)
    return array


def swaps_axes(orientation: int) -> bool:
    """Whether showing a photo with this orientation swaps its width and height."""
    return orientation in (5, 6, 7, 8)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def focal_35mm(exif: Any, size: tuple[int, int]) -> float | None:
    """The lens's 35 mm-equivalent focal length, or None when EXIF cannot tell.

    FocalLengthIn35mmFilm when recorded; otherwise FocalLength scaled by the sensor size that
    FocalPlaneX/YResolution give (sensor = pixels / resolution). `size` is the stored
    (width, height), used when ExifImageWidth/Height are missing.
    """
    try:
        sub = exif.get_ifd(EXIF_IFD)
    except Exception:  # a broken EXIF block is no reason to refuse the photo
        return None
    tags = {**dict(exif), **dict(sub)}
    f35 = _number(tags.get(FOCAL_LENGTH_35MM))
    if f35 is None:
        f35 = _from_sensor(tags, size)
    if f35 is None or not _PLAUSIBLE_35MM[0] <= f35 <= _PLAUSIBLE_35MM[1]:
        return None
    return f35


def _from_sensor(tags: Mapping[int, Any], size: tuple[int, int]) -> float | None:
    focal = _number(tags.get(FOCAL_LENGTH))
    xres, yres = _number(tags.get(FOCAL_PLANE_X_RES)), _number(tags.get(FOCAL_PLANE_Y_RES))
    unit = _UNIT_MM.get(int(_number(tags.get(FOCAL_PLANE_UNIT)) or 2))
    if focal is None or xres is None or unit is None:
        return None
    width = _number(tags.get(EXIF_IMAGE_WIDTH)) or float(size[0])
    height = _number(tags.get(EXIF_IMAGE_HEIGHT)) or float(size[1])
    sensor_w = width / xres * unit
    sensor_h = height / (yres or xres) * unit
    diagonal = math.hypot(sensor_w, sensor_h)
    return focal * FULL_FRAME_DIAGONAL_MM / diagonal if diagonal > 0 else None


def camera_make(exif: Mapping[int, Any]) -> str:
    """The camera maker as recorded ("Apple", "Google"...), or ''."""
    value = exif.get(MAKE, "")
    return value.strip("\x00 ").strip() if isinstance(value, str) else ""
