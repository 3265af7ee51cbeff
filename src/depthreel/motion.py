"""Camera motions: a motion maps time t in [0, 1] to a CameraPose.

Translations are in units of the focus depth (the subject's distance), so intensity 1 means
the same visible parallax whatever the scene's scale.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

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
    """What a motion may know about the scene: the focus depth and the pivot on screen."""

    focus_depth: float = 1.0
    pivot_x: float = 0.0  # pivot position in normalised image units (tan-angle), 0 = centre
    pivot_y: float = 0.0
    aspect: float = 9 / 16


@dataclass
class Motion:
    """Base class for camera motions contributed through the `register_motions` hook.

    Subclasses set `name` and `description` and implement `path(s)` for eased progress s in
    [0, 1]; periodic motions (path(0) == path(1)) set `periodic = True`.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    periodic: ClassVar[bool] = False

    intensity: float = 1.0
    easing: str = "smooth"
    reverse: bool = False

    def __post_init__(self) -> None:
        if self.easing not in EASINGS:
            from depthreel.errors import unknown

            raise unknown("easing", self.easing, EASINGS)
        if not math.isfinite(self.intensity) or self.intensity < 0:
            from depthreel.errors import DepthreelError

            raise DepthreelError(f"motion intensity must be >= 0, got {self.intensity}")

    def pose(self, t: float, ctx: MotionContext | None = None) -> CameraPose:
        """The camera pose at normalised time t in [0, 1]."""
        t = min(max(t, 0.0), 1.0)
        if self.reverse:
            t = 1.0 - t
        s = EASINGS[self.easing](t)
        return self.path(s, ctx or MotionContext())

    def path(self, s: float, ctx: MotionContext) -> CameraPose:
        raise NotImplementedError
