"""Find the subject: the nearest large region of a depth map, whose depth becomes the focus."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Subject:
    """Focus depth (metric Z) and the subject's centre as fractions of width and height."""

    focus_depth: float
    center_x: float = 0.5
    center_y: float = 0.5
    area: float = 0.0  # fraction of the image the subject covers


def find_subject(depth: np.ndarray, near_share: float = 0.3) -> Subject:
    """The largest connected region among the nearest `near_share` of pixels, centre-weighted.

    "Nearest" is judged on inverse depth, and never reaches into the far quarter of the
    scene's inverse-depth range, so a small near object over a flat far wall is still found.
    """
    return subject_region(depth, near_share)[0]


def subject_region(depth: np.ndarray, near_share: float = 0.3) -> tuple[Subject, np.ndarray | None]:
    """find_subject's Subject and its region: a bool mask on a grid of at most 256 px a side.

    The mask is None when no region stands out (then the focus is the median depth).
    """
    small = depth
    scale = 256 / max(depth.shape)
    if scale < 1:
        small = cv2.resize(depth, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    valid = np.isfinite(small) & (small > 0)
    if not valid.any():
        return Subject(focus_depth=1.0), None
    inverse = np.where(valid, 1.0 / np.where(valid, small, 1.0), 0.0)
    lo, hi = np.quantile(inverse[valid], [0.01, 0.99])
    threshold = max(float(np.quantile(inverse[valid], 1.0 - near_share)), lo + 0.25 * (hi - lo))
    near = (valid & (inverse >= threshold)).astype(np.uint8)
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(near, connectivity=8)
    h, w = small.shape
    best, best_score = -1, 0.0
    for label in range(1, count):
        area = stats[label, cv2.CC_STAT_AREA] / (h * w)
        cx, cy = centroids[label][0] / w, centroids[label][1] / h
        # Prefer large regions near the middle; a strip along the bottom edge (the ground
        # right in front of the camera) is a weaker subject than an object in the frame.
        centrality = 1.0 - 0.8 * min(1.0, 2.0 * float(np.hypot(cx - 0.5, cy - 0.5)))
        score = area * centrality
        if score > best_score:
            best, best_score = label, score
    if best < 0:
        return Subject(focus_depth=float(np.median(small[valid]))), None
    region = labels == best
    subject = Subject(
        focus_depth=float(np.median(small[region])),
        center_x=float(centroids[best][0] / w),
        center_y=float(centroids[best][1] / h),
        area=float(region.mean()),
    )
    return subject, region
