"""Stereo output: two eyes per frame, side by side, for VR headsets and 3D displays."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from depthreel.scene import CameraPose

MODES = ("sbs", "hsbs")
EYE_SEPARATION = 0.03  # in units of the focus depth: ~6.5 cm eyes looking at a subject 2.2 m away


def eye_poses(pose: CameraPose, focus_depth: float) -> tuple[CameraPose, CameraPose]:
    """Left and right eye poses around `pose`, converging on the focus plane.

    The eyes sit EYE_SEPARATION * focus_depth apart along x; their lens shifts keep the focus
    plane at zero parallax, so the subject appears at screen depth.
    """
    half = 0.5 * EYE_SEPARATION * focus_depth
    remaining = max(focus_depth - pose.z, 1e-6)
    return (
        dataclasses.replace(pose, x=pose.x - half, shift_x=pose.shift_x - half / remaining),
        dataclasses.replace(pose, x=pose.x + half, shift_x=pose.shift_x + half / remaining),
    )


def frame_size(width: int, height: int, mode: str) -> tuple[int, int]:
    """The output frame size: full side by side doubles the width, half keeps it."""
    return (2 * width, height) if mode == "sbs" else (width, height)


def side_by_side(left: np.ndarray, right: np.ndarray, mode: str) -> np.ndarray:
    """Join two eye frames: "sbs" keeps each at full size, "hsbs" squeezes each to half width."""
    if mode == "hsbs":
        h, w = left.shape[:2]
        half = (w // 2, h)
        left = cv2.resize(left, half, interpolation=cv2.INTER_AREA)
        right = cv2.resize(right, (w - w // 2, h), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(np.concatenate([left, right], axis=1))
