"""Vectorised (numpy) point projection with the conventions of depthreel.scene.

The Numba kernels in depthreel.render.forward implement the same maths per sample; this module
is the readable reference, used by tests and by framing code (how far points move on screen).
"""

from __future__ import annotations

import numpy as np

from depthreel.scene import CameraPose, Intrinsics

NEAR_Z = 1e-6
"""Points whose depth in the new camera is <= NEAR_Z are behind (or on) the camera: dropped."""


def camera_params(pose: CameraPose, src: Intrinsics, out: Intrinsics) -> np.ndarray:
    """Pack a pose into the float64 vector the kernels read.

    Layout: R (9, row-major world-to-camera), t = R @ C (3), focal F = out.focal * zoom,
    u offset (F * shift_x + out.cx), v offset, F / src.focal.
    """
    rot = pose.rotation()
    centre = np.array([pose.x, pose.y, pose.z], dtype=np.float64)
    focal = out.focal * pose.zoom
    return np.concatenate(
        [
            rot.ravel(),
            rot @ centre,
            [focal, focal * pose.shift_x + out.cx, focal * pose.shift_y + out.cy],
            [focal / src.focal],
        ]
    ).astype(np.float64)


def project_points(
    u: np.ndarray,
    v: np.ndarray,
    z: np.ndarray,
    src: Intrinsics,
    pose: CameraPose,
    out: Intrinsics,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Project source pixels (u, v) with metric depth z into the view of `pose`.

    Returns (u2, v2, z2) as float64 arrays of the broadcast shape: output pixel coordinates
    (pixel centres at integers) and the depth along the new camera's axis. Points that end up
    at z2 <= NEAR_Z (behind the camera) or whose depth is not finite and > 0 get NaN in all three.
    """
    u, v, z = np.broadcast_arrays(
        np.asarray(u, dtype=np.float64),
        np.asarray(v, dtype=np.float64),
        np.asarray(z, dtype=np.float64),
    )
    rot = pose.rotation()
    centre = np.array([pose.x, pose.y, pose.z], dtype=np.float64)
    with np.errstate(invalid="ignore"):
        valid = np.isfinite(z) & (z > 0)
    zs = np.where(valid, z, np.nan)
    points = np.stack([(u - src.cx) * zs / src.focal, (v - src.cy) * zs / src.focal, zs], axis=-1)
    cam = (points - centre) @ rot.T
    z2 = cam[..., 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        in_front = z2 > NEAR_Z
        z2 = np.where(in_front, z2, np.nan)
        focal = out.focal * pose.zoom
        u2 = focal * (cam[..., 0] / z2 + pose.shift_x) + out.cx
        v2 = focal * (cam[..., 1] / z2 + pose.shift_y) + out.cy
    return u2, v2, z2
