"""Load a photo the way a phone shows it: upright, in sRGB, at full precision, focal length read.

Every failure is a one-line DepthreelError that names the file; no other exception escapes
`load_photo` for any file content.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from depthreel.errors import DepthreelError

MIN_SIDE = 16
MAX_PIXELS = 120_000_000  # larger needs --allow-huge (decompression-bomb guard)
_PILLOW_LIMIT = threading.Lock()  # Image.MAX_IMAGE_PIXELS is process-wide


@dataclass
class Photo:
    """An RGB photo as float32 sRGB in [0, 1], upright, with what its metadata says."""

    rgb: np.ndarray
    path: Path
    focal_35mm: float | None = None
    orientation: int = 1  # the EXIF orientation that was applied to show it upright
    format: str = ""  # Pillow's format name: JPEG, HEIF, PNG...
    bits: int = 8  # bits per sample in the file
    colour: str = "sRGB"  # the colour space it was converted from
    make: str = ""  # camera maker from EXIF

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])


@lru_cache(maxsize=1)
def register_formats() -> bool:
    """Teach Pillow HEIC/HEIF (pillow-heif); False when pillow-heif is not installed."""
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


def _check_path(path: Path) -> None:
    if not path.exists():
        raise DepthreelError(f"photo {path} does not exist")
    if path.is_dir():
        raise DepthreelError(f"photo {path} is a folder, not an image")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DepthreelError(f"photo {path} cannot be read: {exc.strerror}") from None
    if size == 0:
        raise DepthreelError(f"photo {path} is empty (0 bytes)")


def _check_size(path: Path, size: tuple[int, int], allow_huge: bool) -> None:
    width, height = size
    if width * height > MAX_PIXELS and not allow_huge:
        raise DepthreelError(
            f"photo {path} is {width}x{height} ({width * height / 1e6:.0f} megapixels), over "
            f"the {MAX_PIXELS // 1_000_000} megapixel limit that guards against "
            "decompression bombs; use --allow-huge if you trust it"
        )
    if min(width, height) < MIN_SIDE:
        raise DepthreelError(
            f"photo {path} is {width}x{height}; at least {MIN_SIDE} px a side is needed"
        )


def _unreadable(path: Path, exc: BaseException) -> DepthreelError:
    text = str(exc).strip().splitlines()
    detail = text[0] if text else type(exc).__name__
    return DepthreelError(f"photo {path} could not be read (damaged or truncated?): {detail}")


def load_photo(path: Path | str, allow_huge: bool = False) -> Photo:
    """Read a photo upright, in sRGB, as float32; every failure is a one-line DepthreelError."""
    from PIL import Image, UnidentifiedImageError

    from depthreel.colour import to_srgb
    from depthreel.decode import decode
    from depthreel.exif import apply_orientation, camera_make, focal_35mm, orientation_of

    path = Path(path)
    _check_path(path)
    heif = register_formats()
    with _PILLOW_LIMIT:
        previous = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None  # the size is checked below, with a clearer message
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                image = Image.open(path)
        except UnidentifiedImageError:
            heic = path.suffix.lower() in (".heic", ".heif")
            hint = "; HEIC needs pillow-heif (pip install pillow-heif)" if heic and not heif else ""
            raise DepthreelError(f"photo {path} is not an image depthreel can read{hint}") from None
        except PermissionError:
            raise DepthreelError(f"photo {path} cannot be read: permission denied") from None
        except MemoryError:
            raise
        except Exception as exc:  # a damaged header can make any decoder raise anything
            raise _unreadable(path, exc) from None
        finally:
            Image.MAX_IMAGE_PIXELS = previous
    try:  # close() rather than `with`: leaving a `with` block keeps the decoded pixels alive
        _check_size(path, image.size, allow_huge)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            decoded = decode(path, image)  # first: reading EXIF may load a PNG at 8 bits
            exif = image.getexif()
        focal = focal_35mm(exif, image.size)
        orientation, make = orientation_of(exif), camera_make(exif)
        # HEIF decoders turn the image themselves and reset the tag; remember what it was.
        applied = int(image.info.get("original_orientation") or orientation)
        fmt = str(image.format or "")
    except (DepthreelError, MemoryError):
        raise
    except Exception as exc:
        raise _unreadable(path, exc) from None
    finally:
        image.close()
    pixels = apply_orientation(decoded.pixels, orientation)
    rgb, colour = to_srgb(pixels, decoded.space, decoded.maxval, decoded.icc, decoded.nclx)
    return Photo(
        rgb=rgb,
        path=path,
        focal_35mm=focal,
        orientation=applied if 1 <= applied <= 8 else 1,
        format=fmt,
        bits=decoded.bits,
        colour=colour,
        make=make,
    )
