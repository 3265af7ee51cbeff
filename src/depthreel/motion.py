"""Camera motions: a motion maps clip time t in [0, 1] to a CameraPose.

Translations are in units of the focus depth (the subject's distance), so intensity 1 means
the same visible parallax whatever the scene's scale.

Time runs through four steps before a motion's own `path(s)` sees it:
1. reverse: t -> 1 - t (the clip plays backwards, holds and all);
2. loop: a non-periodic motion goes there and back (t -> 1 - |2t - 1|), so it ends where it
   started; a periodic one already does;
3. share: the move takes the first `share` of the clip and then holds its last pose;
4. easing: the progress is eased (smooth starts and stops by default).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from depthreel.scene import CameraPose


def ease_linear(s: float) -> float:
    return s


def ease_smooth(s: float) -> float:
    """Cubic ease-in-out: zero velocity at both ends."""
    return s * s * (3.0 - 2.0 * s)


def ease_sine(s: float) -> float:
    return 0.5 - 0.5 * math.cos(math.pi * s)


def ease_out(s: float) -> float:
    return 1.0 - (1.0 - s) ** 3


def ease_in(s: float) -> float:
    return s**3


EASINGS: dict[str, Callable[[float], float]] = {
    "linear": ease_linear,
    "smooth": ease_smooth,
    "sine": ease_sine,
    "in": ease_in,
    "out": ease_out,
}


@dataclass(frozen=True)
class MotionContext:
    """What a motion may know about the scene: the focus depth and the pivot on screen.

    The pivot is the subject's centre in normalised image units (tan-angle: pixel offset from
    the frame centre divided by the focal length), so the subject sits at
    (pivot_x * focus_depth, pivot_y * focus_depth, focus_depth) in camera space.
    """

    focus_depth: float = 1.0
    pivot_x: float = 0.0
    pivot_y: float = 0.0
    aspect: float = 9 / 16

    def pivot(self) -> np.ndarray:
        """The subject's position in scene units (camera space of the photo)."""
        f = self.focus_depth
        return np.array([self.pivot_x * f, self.pivot_y * f, f])

    def aim(
        self,
        x: float = 0.0,
        y: float = 0.0,
        z: float = 0.0,
        zoom: float = 1.0,
        yaw: float = 0.0,
        pitch: float = 0.0,
        roll: float = 0.0,
    ) -> CameraPose:
        """A pose at (x, y, z) whose lens shift keeps the pivot where it is in the photo.

        With zero rotation and no pivot this is CameraPose.looking_at. Rotations are applied
        as given (they move the pivot on screen), then the shift brings it back.
        """
        pose = CameraPose(x=x, y=y, z=z, yaw=yaw, pitch=pitch, roll=roll, zoom=zoom)
        cam = pose.rotation() @ (self.pivot() - np.array([x, y, z]))
        depth = max(float(cam[2]), 1e-6)
        return CameraPose(
            x=x,
            y=y,
            z=z,
            yaw=yaw,
            pitch=pitch,
            roll=roll,
            zoom=zoom,
            shift_x=self.pivot_x / zoom - float(cam[0]) / depth,
            shift_y=self.pivot_y / zoom - float(cam[1]) / depth,
        )


@dataclass
class Motion:
    """Base class for camera motions contributed through the `register_motions` hook.

    Subclasses set `name` and `description` and implement `path(s, ctx)` for eased progress s
    in [0, 1], with path(0) the photo's own viewpoint or close to it; periodic motions
    (path(0) == path(1)) set `periodic = True`. Knobs every motion has:
    intensity (1 = default strength), easing, reverse, share (the part of the clip the move
    takes before it holds, in (0, 1]) and loop (end where it starts: see `frame_times`).
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    periodic: ClassVar[bool] = False

    intensity: float = 1.0
    easing: str = "smooth"
    reverse: bool = False
    share: float = 1.0
    loop: bool = False

    def __post_init__(self) -> None:
        from depthreel.errors import DepthreelError, unknown

        if self.easing not in EASINGS:
            raise unknown("easing", self.easing, EASINGS)
        if not isinstance(self.intensity, int | float) or not math.isfinite(self.intensity):
            raise DepthreelError(f"motion intensity must be a number, got {self.intensity!r}")
        if self.intensity < 0:
            raise DepthreelError(f"motion intensity must be >= 0, got {self.intensity}")
        if not isinstance(self.share, int | float) or not 0 < self.share <= 1:
            raise DepthreelError(f"motion share must be in (0, 1], got {self.share!r}")

    @property
    def closes(self) -> bool:
        """Whether pose(1) == pose(0), so a clip can loop seamlessly."""
        return self.periodic or self.loop

    def progress(self, t: float) -> float:
        """Clip time t in [0, 1] -> the eased progress s given to `path`."""
        t = min(max(float(t), 0.0), 1.0)
        if self.reverse:
            t = 1.0 - t
        if self.loop and not self.periodic:
            t = 1.0 - abs(2.0 * t - 1.0)
        t = min(t / self.share, 1.0)
        return EASINGS[self.easing](t)

    def pose(self, t: float, ctx: MotionContext | None = None) -> CameraPose:
        """The camera pose at normalised clip time t in [0, 1]."""
        return self.path(self.progress(t), ctx or MotionContext())

    def frame_times(self, frames: int) -> np.ndarray:
        """Clip times of `frames` frames: i / (N - 1), or i / N for a motion that closes.

        A closing motion's frame N would equal frame 0, so the clip repeats without a
        duplicated or jumping frame.
        """
        if frames <= 1:
            return np.zeros(1)
        if self.closes:
            return np.arange(frames) / frames
        return np.linspace(0.0, 1.0, frames)

    def path(self, s: float, ctx: MotionContext) -> CameraPose:
        raise NotImplementedError
