"""Load a photo the way a phone shows it: EXIF orientation applied, RGB, focal length read."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from depthreel.errors import DepthreelError

MIN_SIDE = 16
MAX_PIXELS = 120_000_000  # larger needs --allow-huge (decompression-bomb guard)


@dataclass
class Photo:
    """An RGB photo as float32 in [0, 1], with what its metadata says about the camera."""

    rgb: np.ndarray
    path: Path
    focal_35mm: float | None = None

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])


def _focal_35mm(image: object) -> float | None:
    """35 mm-equivalent focal length from EXIF, when the camera recorded it."""
    try:
        exif = image.getexif()  # type: ignore[attr-defined]
        sub = exif.get_ifd(0x8769)  # Exif IFD
    except Exception:
        return None
    value = sub.get(0xA405)  # FocalLengthIn35mmFilm
    try:
        return float(value) if value else None
    except (TypeError, ValueError):
        return None


def load_photo(path: Path | str, allow_huge: bool = False) -> Photo:
    """Read a photo; every failure is a one-line DepthreelError that names the file."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    if not path.exists():
        raise DepthreelError(f"photo {path} does not exist")
    if path.is_dir():
        raise DepthreelError(f"photo {path} is a folder, not an image")
    if path.stat().st_size == 0:
        raise DepthreelError(f"photo {path} is empty (0 bytes)")
    limit = None if allow_huge else MAX_PIXELS
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = limit
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                focal = _focal_35mm(image)
                image = ImageOps.exif_transpose(image)
                rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    except (UnidentifiedImageError, SyntaxError):
        raise DepthreelError(f"photo {path} is not an image depthreel can read") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DepthreelError(
            f"photo {path} is larger than {MAX_PIXELS // 1_000_000} megapixels; "
            "use --allow-huge if you trust it"
        ) from None
    except OSError as exc:
        raise DepthreelError(f"photo {path} could not be read: {exc}") from None
    finally:
        Image.MAX_IMAGE_PIXELS = previous
    if min(rgb.shape[:2]) < MIN_SIDE:
        raise DepthreelError(
            f"photo {path} is {rgb.shape[1]}x{rgb.shape[0]}; "
            f"at least {MIN_SIDE} px a side is needed"
        )
    return Photo(rgb=rgb.astype(np.float32) / 255.0, path=path, focal_35mm=focal)
