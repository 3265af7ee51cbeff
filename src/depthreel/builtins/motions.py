"""Built-in camera motions.

All translations are in units of the focus depth, and every motion keeps the focus plane
still on screen (the lens shift of CameraPose.looking_at), so the subject stays put while
nearer and farther things slide against it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from depthreel import hookimpl
from depthreel.hookspecs import Register
from depthreel.motion import Motion, MotionContext
from depthreel.scene import CameraPose

# Base amplitudes at intensity 1, chosen so a background at infinity slides ~6% of the
# frame width against the subject during a sideways motion.
SIDEWAYS = 0.06
PUSH = 0.16


@dataclass
class Dolly(Motion):
    name: ClassVar[str] = "dolly"
    description: ClassVar[str] = "push in towards the subject"

    def path(self, s: float, ctx: MotionContext) -> CameraPose:
        return CameraPose.looking_at(z=PUSH * self.intensity * s, focus=ctx.focus_depth)


@dataclass
class Zoom(Motion):
    name: ClassVar[str] = "zoom"
    description: ClassVar[str] = "lens zoom in, with a slight push for depth"

    def path(self, s: float, ctx: MotionContext) -> CameraPose:
        amount = self.intensity * s
        return CameraPose.looking_at(
            z=0.25 * PUSH * amount, zoom=1.0 + 0.12 * amount, focus=ctx.focus_depth
        )


@dataclass
class Circle(Motion):
    name: ClassVar[str] = "circle"
    description: ClassVar[str] = "camera circles in the image plane; loops seamlessly"
    periodic: ClassVar[bool] = True
    easing: str = "linear"

    def path(self, s: float, ctx: MotionContext) -> CameraPose:
        r = SIDEWAYS * self.intensity
        angle = 2.0 * math.pi * s
        return CameraPose.looking_at(
            x=r * math.sin(angle), y=-0.6 * r * math.cos(angle), focus=ctx.focus_depth
        )


@dataclass
class Horizontal(Motion):
    name: ClassVar[str] = "horizontal"
    description: ClassVar[str] = "glide from left to right"

    def path(self, s: float, ctx: MotionContext) -> CameraPose:
        r = SIDEWAYS * self.intensity
        return CameraPose.looking_at(x=r * (2.0 * s - 1.0), focus=ctx.focus_depth)


@dataclass
class Vertical(Motion):
    name: ClassVar[str] = "vertical"
    description: ClassVar[str] = "glide from bottom to top"

    def path(self, s: float, ctx: MotionContext) -> CameraPose:
        r = SIDEWAYS * self.intensity
        return CameraPose.looking_at(y=r * (1.0 - 2.0 * s), focus=ctx.focus_depth)


BUILTIN_MOTIONS: tuple[type[Motion], ...] = (Dolly, Zoom, Circle, Horizontal, Vertical)


@hookimpl
def register_motions(register: Register) -> None:
    for motion in BUILTIN_MOTIONS:
        register(motion)
