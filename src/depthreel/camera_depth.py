"""Depth the camera already measured: found in the photo's file, aligned to the loaded photo.

Sources: the auxiliary depth/disparity image of a HEIC (iPhone Portrait mode) and the GDepth /
GContainer depth map of a Google Camera JPEG. The map is turned like the photo (the photo's
EXIF orientation; HEIF decoders may have turned the depth item already, which its aspect ratio
tells), resized to the size asked for, and returned as distance Z. A map that is damaged,
flat, or does not fit the photo is reported through `notice` and skipped, so the caller falls
back to estimating.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from depthreel.exif import apply_orientation
from depthreel.photo import Photo

ASPECT_TOLERANCE = 0.02


@dataclass
class CameraDepth:
    """A camera depth map as stored in the file, before alignment."""

    values: np.ndarray  # (h, w) float32
    kind: str  # "depth" (distance Z) or "inverse" (relative inverse depth, larger = nearer)
    label: str  # for messages: "iPhone disparity", "Google depth, RangeInverse"
    turned: bool  # the decoder may already have applied the photo's orientation


def read_camera_depth(photo: Photo) -> CameraDepth | None:
    """The depth map stored in `photo`'s file, or None; raises when it is present but broken."""
    if photo.format in ("HEIF", "HEIC"):
        from depthreel.depth.heic_depth import read_heif_depth

        heif = read_heif_depth(photo.path)
        if heif is None:
            return None
        device = "iPhone" if photo.make.lower() == "apple" else "HEIC"
        label = f"{device} {'disparity' if heif.disparity else 'depth'}"
        return CameraDepth(heif.values, heif.kind, label, turned=True)
    if photo.format == "JPEG":
        from PIL import Image

        from depthreel.depth.gdepth import read_google_depth

        with Image.open(photo.path) as image:
            google = read_google_depth(photo.path, image)
        if google is None:
            return None
        return CameraDepth(google.values, google.kind, f"Google depth, {google.format}", False)
    return None


def _fits(shape: tuple[int, ...], size: tuple[int, int]) -> bool:
    (h0, w0), (h, w) = shape[:2], size
    return abs((w0 / h0) / (w / h) - 1.0) <= max(ASPECT_TOLERANCE, 1.0 / min(h0, w0))


def align(values: np.ndarray, size: tuple[int, int], orientation: int, turned: bool) -> np.ndarray:
    """`values` turned to show like the photo of size (h, w); ValueError when neither way fits.

    Both "as stored" and "turned by the EXIF orientation" are tried, the likelier first
    (turned maps as stored); the first whose aspect ratio matches the photo wins.
    """
    oriented = apply_orientation(values, orientation)
    candidates = [values, oriented] if turned else [oriented, values]
    for candidate in candidates:
        if _fits(candidate.shape, size):
            return np.ascontiguousarray(candidate)
    raise ValueError(
        f"its depth map is {values.shape[1]}x{values.shape[0]}, which does not fit the "
        f"{size[1]}x{size[0]} photo"
    )


def camera_depth_for(
    photo: Photo, shape: tuple[int, int], notice: Callable[[str], None]
) -> tuple[np.ndarray, str] | None:
    """Distance Z at `shape` (h, w) from the camera's own depth map, and its source label.

    None when the photo has no usable camera depth (a broken one is reported via `notice`).
    """
    from depthreel.depth.convert import fill_unknown, inverse_to_depth

    try:
        found = read_camera_depth(photo)
        if found is None:
            return None
        aligned = align(found.values, (photo.height, photo.width), photo.orientation, found.turned)
        valid = np.isfinite(aligned)
        if found.kind == "depth":
            valid &= aligned > 0
        filled = fill_unknown(aligned, valid)
        if float(filled.max() - filled.min()) <= 1e-6 * max(float(np.abs(filled).max()), 1e-12):
            raise ValueError("its depth map is flat (one value everywhere)")
    except Exception as exc:  # optional metadata must never stop a render
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        notice(f"camera depth in {photo.path.name} not used: {detail}; estimating instead")
        return None
    h, w = shape
    shrinking = h * w < filled.shape[0] * filled.shape[1]
    interp = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    resized = cv2.resize(filled, (w, h), interpolation=interp)
    depth = inverse_to_depth(resized) if found.kind == "inverse" else resized
    return depth.astype(np.float32), f"camera ({found.label})"
