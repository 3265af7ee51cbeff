"""The depth or disparity image that iPhone Portrait mode (and other HEIF cameras) store.

libheif, through pillow-heif, finds the auxiliary depth image of the primary picture and its
depth representation info (ISO/IEC 23002-3: representation type, z_near/z_far, d_min/d_max).
iPhones write "uniform disparity" with d_min/d_max, larger = nearer; a map without
representation info is taken as such relative disparity too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

UNIFORM_INVERSE_Z, UNIFORM_DISPARITY, UNIFORM_Z, NONUNIFORM_DISPARITY = 0, 1, 2, 3


@dataclass
class HeifDepth:
    """A depth image as decoded, turned as libheif turns the depth item itself."""

    values: np.ndarray  # (h, w) float32: distance Z, or relative inverse depth
    kind: str  # "depth" or "inverse"
    disparity: bool  # stored as disparity (the usual iPhone case) rather than depth


def _positive(meta: dict[str, Any], key: str) -> float | None:
    value = meta.get(key)
    try:
        number = float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and np.isfinite(number) and number > 0 else None


def to_distance(d: np.ndarray, meta: dict[str, Any]) -> HeifDepth:
    """Normalised samples d in [0, 1] -> distance or relative inverse depth, per `meta`."""
    kind = int(meta.get("representation_type", UNIFORM_DISPARITY))
    z_near, z_far = _positive(meta, "z_near"), _positive(meta, "z_far")
    d_min, d_max = _positive(meta, "d_min"), _positive(meta, "d_max")
    if kind == UNIFORM_Z:
        if z_near is not None and z_far is not None and z_far > z_near:
            return HeifDepth((z_near + d * (z_far - z_near)).astype(np.float32), "depth", False)
        return HeifDepth((1.0 / (1.0 + 11.0 * d)).astype(np.float32), "inverse", False)
    if kind == UNIFORM_INVERSE_Z:
        if z_near is not None and z_far is not None and z_far > z_near:
            inverse = 1.0 / z_far + d * (1.0 / z_near - 1.0 / z_far)
            return HeifDepth((1.0 / inverse).astype(np.float32), "depth", False)
        return HeifDepth(d.astype(np.float32), "inverse", False)
    if kind == UNIFORM_DISPARITY and d_min is not None and d_max is not None and d_max > d_min:
        # Distance is proportional to 1 / disparity whatever the disparity's unit.
        disparity = d_min + d * (d_max - d_min)
        return HeifDepth((1.0 / disparity).astype(np.float32), "depth", True)
    return HeifDepth(d.astype(np.float32), "inverse", True)


def read_heif_depth(path: Path) -> HeifDepth | None:
    """The primary picture's depth image, or None when the file has none."""
    import pillow_heif

    heif = pillow_heif.open_heif(path)
    images = heif.info.get("depth_images") or []
    if not images:
        return None
    depth = images[0]
    samples = np.asarray(depth)
    if samples.ndim == 3:
        samples = samples[..., 0]
    if samples.ndim != 2 or min(samples.shape) < 2:
        raise ValueError(f"its depth image has shape {samples.shape}")
    top = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}.get(samples.dtype, 1.0)
    d = samples.astype(np.float32) / np.float32(top)
    return to_distance(d, dict(depth.info.get("metadata") or {}))
