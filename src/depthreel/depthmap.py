"""Depth for a photo: from a user-supplied map or from an estimator, as metric depth Z."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from depthreel.photo import Photo
from depthreel.registry import Registry
from depthreel.scene import Intrinsics

ESTIMATE_LONG_SIDE = 1024  # estimators see the photo at most this large


@dataclass
class PhotoDepth:
    """Metric depth Z for a photo, at a reduced size with the photo's aspect ratio."""

    depth: np.ndarray  # (h, w) float32, finite, > 0
    source: str  # e.g. "estimator classic", "camera (iPhone disparity)"

    def inverse(self) -> np.ndarray:
        """Normalised inverse depth in [0, 1]: 1 = nearest (for saving and previews)."""
        inv = 1.0 / self.depth
        lo, hi = float(inv.min()), float(inv.max())
        return ((inv - lo) / max(hi - lo, 1e-12)).astype(np.float32)


def reduced(rgb: np.ndarray, long_side: int = ESTIMATE_LONG_SIDE) -> np.ndarray:
    """The image shrunk (area-averaged) so its long side is at most `long_side`."""
    h, w = rgb.shape[:2]
    scale = long_side / max(h, w)
    if scale >= 1:
        return rgb
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def photo_depth(
    photo: Photo,
    registry: Registry,
    notice: Callable[[str], None],
    estimator: str | None = None,
    depth_file: Path | None = None,
    depth_kind: str = "inverse",
    estimator_options: dict[str, object] | None = None,
) -> PhotoDepth:
    """Depth for `photo`: the user's map when given, else the named estimator, else the depth
    the camera stored in the file (iPhone HEIC, Google Camera JPEG), else the first usable
    estimator."""
    from depthreel.depth.convert import inverse_to_depth

    small = reduced(photo.rgb)
    h, w = small.shape[:2]
    if depth_file is not None:
        from depthreel.depth.user_map import load_depth_file

        full = Intrinsics.from_focal_35mm(photo.width, photo.height, photo.focal_35mm)
        focal = full.focal * w / photo.width
        depth = load_depth_file(Path(depth_file), depth_kind, (h, w), focal=focal)
        if float(depth.max() - depth.min()) <= 1e-6 * float(depth.max()):
            notice(f"depth map {depth_file} is flat (one value everywhere): no parallax")
        return PhotoDepth(depth.astype(np.float32), f"file {depth_file} ({depth_kind})")
    if estimator is None:
        from depthreel.camera_depth import camera_depth_for

        measured = camera_depth_for(photo, (h, w), notice)
        if measured is not None:
            return PhotoDepth(*measured)
    from depthreel.depth.select import choose_estimator

    classes = {entry.name: entry.obj for entry in registry.items("estimator")}
    chosen = choose_estimator(classes, estimator, notice, **(estimator_options or {}))
    inverse = chosen.estimate(small)
    return PhotoDepth(inverse_to_depth(inverse).astype(np.float32), f"estimator {chosen.name}")
