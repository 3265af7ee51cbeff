"""What a photo's header says about its size and when and where it was taken (for reels)."""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from depthreel.errors import DepthreelError

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
DATE_TIME_ORIGINAL, DATE_TIME = 0x9003, 0x0132
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 1, 2, 3, 4


@dataclass(frozen=True)
class PhotoInfo:
    """A photo's size, capture time and GPS position (None when not recorded)."""

    path: Path
    width: int
    height: int
    taken: datetime | None = None
    gps: tuple[float, float] | None = None  # (latitude, longitude) in degrees, N and E > 0

    def order_key(self) -> tuple[float, str]:
        """Capture time, else the file's modification time, then the name."""
        when = self.taken.timestamp() if self.taken else self.path.stat().st_mtime
        return (when, self.path.name)


def _date(exif: Any) -> datetime | None:
    for value in (exif.get_ifd(EXIF_IFD).get(DATE_TIME_ORIGINAL), exif.get(DATE_TIME)):
        with contextlib.suppress(TypeError, ValueError):
            return datetime.strptime(str(value).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    return None


def _degrees(value: Any, ref: Any, negative: str) -> float:
    d, m, s = (float(part) for part in value)
    sign = -1.0 if str(ref).upper().startswith(negative) else 1.0
    return sign * (d + m / 60.0 + s / 3600.0)


def _gps(exif: Any) -> tuple[float, float] | None:
    gps = exif.get_ifd(GPS_IFD)
    try:
        lat = _degrees(gps[GPS_LAT], gps.get(GPS_LAT_REF, "N"), "S")
        lon = _degrees(gps[GPS_LON], gps.get(GPS_LON_REF, "E"), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return (lat, lon)


def read_info(path: Path, decode: bool = False) -> PhotoInfo:
    """Read the header of a photo; an unreadable file is a DepthreelError.

    With decode=True the pixels are decoded too (a JPEG at 1/8 scale, which still reads the
    whole file), so a truncated or damaged file is found before any work is planned on it.
    """
    from PIL import Image, UnidentifiedImageError

    from depthreel.exif import orientation_of, swaps_axes
    from depthreel.photo import register_formats

    register_formats()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                width, height = image.size
                exif = image.getexif()
                taken, gps = _date(exif), _gps(exif)
                if swaps_axes(orientation_of(exif)):
                    width, height = height, width
                if decode:
                    image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
                    image.load()
    except UnidentifiedImageError:
        raise DepthreelError(f"photo {path} is not an image depthreel can read") from None
    except MemoryError:
        raise
    except Exception as exc:  # a damaged header can make any decoder raise anything
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise DepthreelError(f"photo {path} could not be read: {detail}") from None
    return PhotoInfo(Path(path), width, height, taken, gps)


def format_date(taken: datetime) -> str:
    """'3 May 2024'."""
    return f"{taken.day} {taken:%B %Y}"


def format_place(gps: tuple[float, float]) -> str:
    """'38.7139° N, 9.1394° W'."""
    lat, lon = gps
    return f"{abs(lat):.4f}° {'N' if lat >= 0 else 'S'}, {abs(lon):.4f}° {'E' if lon >= 0 else 'W'}"
