"""Which part of the source can reach the frame for a pose: rows and columns to skip unseen.

A clip's source carries a margin for the whole camera path, but each frame sees only part of
it. For a fronto-parallel plane at depth Z the map from source to frame pixels is a
homography, and the source point a frame pixel sees moves linearly in 1/Z, so the frame's
corners mapped back at the nearest and the farthest depth bound every source sample that
can land in the frame.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from depthreel.render.project import project_points
from depthreel.scene import CameraPose, Intrinsics

SLACK = 4  # extra source pixels on each side: footprints, rounding, neighbours


def source_window(
    pose: CameraPose,
    src: Intrinsics,
    out: Intrinsics,
    depth_range: tuple[float, float],
) -> tuple[int, int, int, int]:
    """(v0, v1, u0, u1): the source rows and columns (padded grid: +1) the frame can see.

    Falls back to the whole source when the pose is degenerate for this bound (a plane
    behind the camera, or a mapping that folds).
    """
    whole = (0, src.height + 2, 0, src.width + 2)
    corners_src = np.array(
        [
            [0.0, 0.0],
            [src.width - 1.0, 0.0],
            [src.width - 1.0, src.height - 1.0],
            [0.0, src.height - 1.0],
        ]
    )
    frame = np.array(
        [[-1.0, -1.0], [out.width, -1.0], [out.width, out.height], [-1.0, out.height]],
        np.float32,
    ).reshape(-1, 1, 2)
    us: list[float] = []
    vs: list[float] = []
    for z in depth_range:
        if not (math.isfinite(z) and z > 0):
            return whole
        u2, v2, _ = project_points(
            corners_src[:, 0], corners_src[:, 1], np.full(4, z), src, pose, out
        )
        if not (np.isfinite(u2).all() and np.isfinite(v2).all()):
            return whole
        to_frame = cv2.getPerspectiveTransform(
            corners_src.astype(np.float32), np.stack([u2, v2], axis=1).astype(np.float32)
        )
        ok, back = cv2.invert(to_frame)
        if not ok:
            return whole
        mapped = cv2.perspectiveTransform(frame, back).reshape(-1, 2)
        if not np.isfinite(mapped).all():
            return whole
        us.extend(mapped[:, 0])
        vs.extend(mapped[:, 1])
    # +1: the renderer's source grid is padded by one sample on each side.
    u0 = max(0, math.floor(min(us)) - SLACK + 1)
    u1 = min(src.width + 2, math.ceil(max(us)) + SLACK + 2)
    v0 = max(0, math.floor(min(vs)) - SLACK + 1)
    v1 = min(src.height + 2, math.ceil(max(vs)) + SLACK + 2)
    if u0 >= u1 or v0 >= v1:
        return (0, 0, 0, 0)
    return (v0, v1, u0, u1)
