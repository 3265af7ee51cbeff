"""A figure-eight camera path: a complete depthreel motion plugin in one module.

The motion subclasses depthreel.motion.Motion, so it gets the common knobs (intensity,
easing, reverse, share, loop) for free, and uses MotionContext.aim so the subject stays put.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from depthreel import hookimpl
from depthreel.errors import DepthreelError
from depthreel.hookspecs import Register
from depthreel.motion import Motion, MotionContext
from depthreel.scene import CameraPose

SIDEWAYS = 0.06  # camera travel at intensity 1, in subject distances (as the built-ins)


@dataclass
class FigureEight(Motion):
    """x = sin(2 pi s), y = sin(4 pi s) / 2: one figure eight per clip, periodic."""

    name: ClassVar[str] = "figure8"
    description: ClassVar[str] = "camera traces a figure eight around the subject; loops"
    periodic: ClassVar[bool] = True
    easing: str = "linear"
    width: float = 1.0  # horizontal size, relative
    height: float = 1.0  # vertical size, relative
    tilt: float = 0.0  # how much the camera also moves in and out (0 = flat figure)

    def __post_init__(self) -> None:
        super().__post_init__()  # checks intensity, easing, share
        for knob in ("width", "height", "tilt"):
            value = getattr(self, knob)
            if not isinstance(value, int | float) or not 0 <= value <= 5:
                raise DepthreelError(f"figure8 {knob} must be between 0 and 5, got {value!r}")

    def path(self, s: float, ctx: MotionContext) -> CameraPose:
        r = SIDEWAYS * self.intensity * ctx.focus_depth
        angle = 2.0 * math.pi * s
        x = r * self.width * math.sin(angle)
        y = 0.5 * r * self.height * math.sin(2.0 * angle)
        z = 0.5 * r * self.tilt * (1.0 - math.cos(angle))
        return ctx.aim(x, y, z)


@hookimpl
def register_motions(register: Register) -> None:
    register(FigureEight)
