"""Depth for a photo: from a user-supplied map or from an estimator, as metric depth Z."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from depthreel.cache import Cache, file_digest, make_key
from depthreel.photo import Photo
from depthreel.registry import Registry
from depthreel.scene import Intrinsics

ESTIMATE_LONG_SIDE = 1024  # estimators see the photo at most this large


@dataclass
class PhotoDepth:
    """Metric depth Z for a photo, at a reduced size with the photo's aspect ratio."""

    depth: np.ndarray  # (h, w) float32, finite, > 0
    source: str  # e.g. "estimator classic", "camera (iPhone disparity)"

    def digest(self) -> str:
        """A hash of the map's values (part of the layered depth image's cache key)."""
        return hashlib.sha256(np.ascontiguousarray(self.depth).tobytes()).hexdigest()[:32]

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
    full_size: bool = False,
    cache: Cache | None = None,
) -> PhotoDepth:
    """Depth for `photo`: the user's map when given, else the named estimator, else the depth
    the camera stored in the file (iPhone HEIC, Google Camera JPEG), else the first usable
    estimator.

    The map comes at a reduced size (long side ESTIMATE_LONG_SIDE) unless `full_size` asks
    for a user-supplied map at the photo's own size. With a cache, an estimate made before for
    the same photo content and estimator settings is reused instead of estimating again.
    """
    from depthreel.depth.convert import inverse_to_depth

    small = reduced(photo.rgb)
    h, w = small.shape[:2]
    if full_size:
        h, w = photo.height, photo.width
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
    options = dict(estimator_options or {})
    digest = file_digest(photo.path) if cache is not None and photo.path.is_file() else None

    def key_for(name: str) -> str:
        return make_key("depth", digest, name, classes[name](**options).cache_key(), (h, w))

    def cached(name: str) -> PhotoDepth | None:
        if cache is None or digest is None or name not in classes:
            return None
        entry = cache.load("depth", key_for(name))
        if entry is None or entry.get("depth") is None or entry["depth"].shape != (h, w):
            return None
        return PhotoDepth(entry["depth"].astype(np.float32), f"estimator {name} (cached)")

    # Before loading anything (a model can take seconds), try the estimator that would run.
    first = estimator or min(classes, key=lambda n: (classes[n].priority, n), default=None)
    hit = cached(first) if first else None
    if hit is not None:
        return hit
    chosen = choose_estimator(classes, estimator, notice, **options)
    hit = cached(chosen.name) if chosen.name != first else None
    if hit is not None:
        return hit
    depth = inverse_to_depth(chosen.estimate(small)).astype(np.float32)
    if cache is not None and digest is not None:
        cache.store("depth", key_for(chosen.name), depth=depth)
    return PhotoDepth(depth, f"estimator {chosen.name}")
