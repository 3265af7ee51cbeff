"""Depth maps supplied by the user instead of estimated: reading, checking and converting.

Accepted files: 8- and 16-bit PNG, grayscale JPEG/TIFF (anything OpenCV or Pillow reads as
one channel, or three equal channels), and NumPy `.npy` arrays. Kinds of map:

- "inverse" (default): relative inverse depth, larger = nearer, any scale (an 8-bit depth PNG
  from most tools). It is normalised and placed between the near and far planes. A constant
  map has no relative depth and becomes a flat scene on the far plane.
- "disparity": pixels of disparity for a one-unit stereo baseline, Z = focal / d. Needs the
  photo's focal length in pixels; the disparity is rescaled with the map when it is resized.
- "metric": the depth Z itself.

Unknown pixels (NaN, inf; for disparity and metric also values <= 0) are filled from their
valid neighbours on the far side (holes in depth maps are mostly hidden background).
`scale` multiplies disparity and metric values as stored (e.g. 0.001 for a 16-bit PNG in
millimetres, 1/256 for KITTI-style disparity PNGs).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from depthreel.depth.convert import (
    DEFAULT_FAR,
    DEFAULT_NEAR,
    inverse_to_depth,
    normalize_inverse,
    resize_to,
)
from depthreel.errors import DepthreelError, unknown
from depthreel.imaging import fill_farthest

KINDS = ("inverse", "disparity", "metric")


def _read_image(path: Path) -> np.ndarray | None:
    """Decode with OpenCV (keeps 16-bit and float), then Pillow; None when neither can."""
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise DepthreelError(f"cannot read depth map {path}: {exc.strerror or exc}") from None
    decoded = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if decoded is not None:
        return np.asarray(decoded)
    try:
        from PIL import Image, UnidentifiedImageError

        with Image.open(path) as img:
            return np.asarray(img)
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def read_depth_array(path: str | Path) -> np.ndarray:
    """The file's values as a float32 (h, w) array, unconverted (NaN and inf kept)."""
    path = Path(path)
    if not path.is_file():
        raise DepthreelError(f"depth map {path} does not exist")
    array: np.ndarray | None
    if path.suffix.lower() == ".npy":
        try:
            array = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise DepthreelError(f"depth map {path} is not a readable .npy array: {exc}") from None
    else:
        array = _read_image(path)
    if array is None:
        raise DepthreelError(
            f"depth map {path} is not an image or .npy file depthreel can read "
            "(use a grayscale PNG, TIFF or JPEG, or a .npy array)"
        )
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
        raise DepthreelError(f"depth map {path} holds {array.dtype} values, not numbers")
    if array.ndim == 3 and array.shape[2] in (1, 2, 3, 4):
        # Drop an alpha channel; accept colour images whose channels are all equal.
        channels = array.shape[2]
        colour = array[..., : 3 if channels >= 3 else 1]
        first = colour[..., 0]
        if not all(np.array_equal(first, colour[..., c]) for c in range(1, colour.shape[2])):
            raise DepthreelError(
                f"depth map {path} is a colour image; save it as a single-channel "
                "(grayscale) image, 16-bit PNG for best precision"
            )
        array = first
    if array.ndim != 2:
        raise DepthreelError(
            f"depth map {path} has shape {array.shape}; a 2-D (h, w) map is needed"
        )
    if min(array.shape) < 2:
        raise DepthreelError(f"depth map {path} is only {array.shape[1]}x{array.shape[0]} pixels")
    return array.astype(np.float32)


def _prepared(
    path: str | Path,
    kind: str,
    shape: tuple[int, int] | None,
    focal: float | None,
    scale: float,
) -> np.ndarray:
    """The map filled and resized, in its kind's unit (inverse normalised to [0, 1])."""
    if kind not in KINDS:
        raise unknown("depth map kind", kind, KINDS)
    if kind == "disparity" and not (focal and focal > 0):
        raise DepthreelError("a disparity depth map needs the photo's focal length in pixels")
    if not (np.isfinite(scale) and scale > 0):
        raise DepthreelError(f"depth map scale must be > 0, got {scale}")
    raw = read_depth_array(path)
    valid = np.isfinite(raw)
    if kind != "inverse":
        valid &= raw > 0
    if not valid.any():
        raise DepthreelError(f"depth map {path} has no valid values (all unknown)")
    # Unknown pixels are mostly background hidden from the sensor or the other camera: fill
    # them from the far side (larger metric depth, smaller inverse depth or disparity).
    sign = np.float32(1.0 if kind == "metric" else -1.0)
    filled = sign * fill_farthest(sign * np.where(valid, raw, 0.0), valid)
    h0, w0 = filled.shape
    target = (h0, w0) if shape is None else (int(shape[0]), int(shape[1]))
    values = resize_to(filled, target, what=f"depth map {Path(path).name}")
    if kind == "inverse":
        return normalize_inverse(values)
    values = values * np.float32(scale)
    if kind == "disparity":
        values = values * np.float32(target[1] / w0)  # disparity in the photo's pixels
    return values.astype(np.float32, copy=False)


def load_inverse_file(
    path: str | Path,
    kind: str = "inverse",
    shape: tuple[int, int] | None = None,
    *,
    focal: float | None = None,
    scale: float = 1.0,
) -> np.ndarray:
    """A user's map in the estimator convention: (h, w) float32 inverse depth, finite, >= 0.

    "inverse" maps come normalised to [0, 1]; "disparity" in the photo's pixels; "metric"
    as 1/Z. `shape` is the photo's (h, w) (None keeps the map's size).
    """
    values = _prepared(path, kind, shape, focal, scale)
    if kind == "metric":
        return (1.0 / values).astype(np.float32)
    return values


def load_depth_file(
    path: str | Path,
    kind: str = "inverse",
    shape: tuple[int, int] | None = None,
    *,
    focal: float | None = None,
    scale: float = 1.0,
    near: float = DEFAULT_NEAR,
    far: float = DEFAULT_FAR,
) -> np.ndarray:
    """A user's depth map as metric depth Z: (h, w) = shape, float32, finite, > 0.

    kind is "inverse" (relative; placed between near and far), "disparity" (Z = focal / d,
    focal in the photo's pixels) or "metric" (Z as stored, times `scale`). Raises
    DepthreelError with one line for missing, unreadable, colour, wrongly shaped or
    all-unknown maps.
    """
    values = _prepared(path, kind, shape, focal, scale)
    if kind == "inverse":
        return inverse_to_depth(values, near, far, normalized=True)
    if kind == "disparity":
        assert focal is not None  # checked in _prepared
        return (np.float32(focal) / values).astype(np.float32)
    return values
