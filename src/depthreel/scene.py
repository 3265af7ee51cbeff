"""Geometry shared by the estimators, the layered depth image and the renderer.

Conventions (pinhole camera, image y axis down, z into the scene):
- pixel (u, v) of an image with intrinsics (focal, cx, cy) and depth Z sits at
  X = (u - cx) * Z / focal, Y = (v - cy) * Z / focal, Z.
- "depth" here is always metric-like distance Z > 0 along the optical axis. Estimators return
  relative *inverse* depth instead (larger = nearer); depthreel.depth.convert turns one into
  the other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

DEFAULT_FOCAL_35MM = 28.0  # a typical phone main camera, 35 mm equivalent
FULL_FRAME_DIAGONAL_MM = math.hypot(36.0, 24.0)


@dataclass(frozen=True)
class Intrinsics:
    """Pinhole intrinsics in pixels for an image of width x height."""

    focal: float
    cx: float
    cy: float
    width: int
    height: int

    @classmethod
    def centered(cls, width: int, height: int, focal: float) -> Intrinsics:
        return cls(float(focal), width / 2.0, height / 2.0, int(width), int(height))

    @classmethod
    def from_focal_35mm(cls, width: int, height: int, focal_35mm: float | None) -> Intrinsics:
        """Intrinsics from a 35 mm-equivalent focal length (diagonal convention)."""
        f35 = focal_35mm if focal_35mm and focal_35mm > 0 else DEFAULT_FOCAL_35MM
        focal = f35 * math.hypot(width, height) / FULL_FRAME_DIAGONAL_MM
        return cls.centered(width, height, focal)

    def scaled(self, factor: float, width: int, height: int) -> Intrinsics:
        """The same camera for an image resized by `factor` to width x height."""
        return Intrinsics(self.focal * factor, width / 2.0, height / 2.0, width, height)


@dataclass(frozen=True)
class CameraPose:
    """A virtual camera relative to the photo's camera.

    x, y, z: camera position in scene units (right, down, forward).
    yaw, pitch, roll: rotation in radians (yaw > 0 turns the camera right).
    zoom: focal-length multiplier. shift_x, shift_y: lens shift, in units of the focal length,
    added after projection (shifting keeps a chosen plane still while the camera moves).
    """

    x: float = 0.0
    y: float = 0.0
    z: float = 0.0
    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    zoom: float = 1.0
    shift_x: float = 0.0
    shift_y: float = 0.0

    @classmethod
    def looking_at(
        cls, x: float = 0.0, y: float = 0.0, z: float = 0.0, focus: float = 1.0, zoom: float = 1.0
    ) -> CameraPose:
        """A translated camera whose lens shift keeps the point (0, 0, focus) still on screen."""
        remaining = max(focus - z, 1e-6)
        return cls(x=x, y=y, z=z, zoom=zoom, shift_x=x / remaining, shift_y=y / remaining)

    def scaled(self, scale: float) -> CameraPose:
        """The pose with its translation expressed in units `scale` times larger."""
        return replace(self, x=self.x * scale, y=self.y * scale, z=self.z * scale)

    def rotation(self) -> np.ndarray:
        """World-to-camera rotation matrix (3x3, float64): roll(z) @ pitch(x) @ yaw(y), inverted."""
        cy, sy = math.cos(self.yaw), math.sin(self.yaw)
        cp, sp = math.cos(self.pitch), math.sin(self.pitch)
        cr, sr = math.cos(self.roll), math.sin(self.roll)
        ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
        rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
        rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
        camera_to_world = ry @ rx @ rz
        return camera_to_world.T

    def is_identity(self) -> bool:
        return self == CameraPose()


@dataclass
class Layer:
    """One layer of a layered depth image, on the source image's pixel grid.

    rgb: (H, W, 3) float32 in [0, 1]. depth: (H, W) float32 metric depth Z; a pixel whose depth
    is not finite or <= 0 is absent from the layer. alpha: (H, W) float32 coverage in [0, 1],
    None for fully opaque.
    """

    rgb: np.ndarray
    depth: np.ndarray
    alpha: np.ndarray | None = None

    def __post_init__(self) -> None:
        h, w = self.depth.shape
        if self.rgb.shape != (h, w, 3):
            raise ValueError(f"layer rgb {self.rgb.shape} does not match depth {(h, w)}")
        if self.alpha is not None and self.alpha.shape != (h, w):
            raise ValueError(f"layer alpha {self.alpha.shape} does not match depth {(h, w)}")
