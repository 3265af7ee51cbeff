"""Built-in camera motions.

All translations are in units of the focus depth, and (except where said) every motion keeps
the subject still on screen (MotionContext.aim): the subject stays put while nearer and
farther things slide against it. The subject's position comes from the depth map (the pivot).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from depthreel import hookimpl
from depthreel.errors import DepthreelError
from depthreel.hookspecs import Register
from depthreel.motion import Motion, MotionContext
from depthreel.scene import CameraPose

# Base amplitudes at intensity 1, chosen so a background at infinity slides ~6% of the
# frame width against the subject during a sideways motion.
SIDEWAYS = 0.06
PUSH = 0.16
PULL_BACK = 0.3  # dolly-zoom: how far the camera backs off (zoom 1.3 keeps the subject's size)


def toward_subject(distance: float, ctx: MotionContext) -> tuple[float, float, float]:
    """The camera position after moving `distance` (along z) on the ray towards the subject."""
    return ctx.pivot_x * distance, ctx.pivot_y * distance, distance


@dataclass
class Dolly(Motion):
    name: ClassVar[str] = "dolly"
    description: ClassVar[str] = "push in towards the subject"

    def path(self, s: float, ctx: MotionContext) -> CameraPose:
        return ctx.aim(*toward_subject(PUSH * self.intensity * s * ctx.focus_depth, ctx))


@dataclass
class DollyOut(Motion):
    name: ClassVar[str] = "dolly-out"
    description: ClassVar[str] = "start close to the subject and pull back to the photo's view"

    def path(self, s: float, ctx: MotionContext) -> CameraPose:
        return ctx.aim(*toward_subject(PUSH * self.intensity * (1.0 - s) * ctx.focus_depth, ctx))


@dataclass
class Zoom(Motion):
    name: ClassVar[str] = "zoom"
    description: ClassVar[str] = "lens zoom in on the subject, with a slight push for depth"

    def path(self, s: float, ctx: MotionContext) -> CameraPose:
        amount = self.intensity * s
        position = toward_subject(0.25 * PUSH * amount * ctx.focus_depth, ctx)
        return ctx.aim(*position, zoom=1.0 + 0.12 * amount)


@dataclass
class DollyZoom(Motion):
    name: ClassVar[str] = "dolly-zoom"
    description: ClassVar[str] = "vertigo: the subject keeps its size while the background swells"

    def path(self, s: float, ctx: MotionContext) -> CameraPose:
        back = PULL_BACK * self.intensity * s * ctx.focus_depth
        # Backing off by `back` while zooming by (F + back) / F keeps the focus plane's size.
        zoom = (ctx.focus_depth + back) / ctx.focus_depth
        return ctx.aim(*toward_subject(-back, ctx), zoom=zoom)


@dataclass
class Circle(Motion):
    name: ClassVar[str] = "circle"
    description: ClassVar[str] = "camera circles in the image plane; loops seamlessly"
    periodic: ClassVar[bool] = True
    easing: str = "linear"

    def path(self, s: float, ctx: MotionContext) -> CameraPose:
        r = SIDEWAYS * self.intensity * ctx.focus_depth
        angle = 2.0 * math.pi * s
        return ctx.aim(x=r * math.sin(angle), y=-0.6 * r * math.cos(angle))


@dataclass
class Orbit(Motion):
    name: ClassVar[str] = "orbit"
    description: ClassVar[str] = "arc around the subject from left to right, turning to face it"

    def path(self, s: float, ctx: MotionContext) -> CameraPose:
        yaw = 1.2 * SIDEWAYS * self.intensity * (2.0 * s - 1.0)
        turn = CameraPose(yaw=yaw).rotation().T  # camera-to-world rotation
        pivot = ctx.pivot()
        x, y, z = (pivot - turn @ pivot).tolist()  # the pivot keeps its place in the camera
        return ctx.aim(x, y, z, yaw=yaw)


@dataclass
class Swing(Motion):
    name: ClassVar[str] = "swing"
    description: ClassVar[str] = "sway right, left and back like a pendulum; loops seamlessly"
    periodic: ClassVar[bool] = True
    easing: str = "linear"

    def path(self, s: float, ctx: MotionContext) -> CameraPose:
        r = SIDEWAYS * self.intensity * ctx.focus_depth
        phase = math.sin(2.0 * math.pi * s)
        return ctx.aim(x=r * phase, y=-0.15 * r * phase * phase)


@dataclass
class Horizontal(Motion):
    name: ClassVar[str] = "horizontal"
    description: ClassVar[str] = "glide from left to right"

    def path(self, s: float, ctx: MotionContext) -> CameraPose:
        r = SIDEWAYS * self.intensity * ctx.focus_depth
        return ctx.aim(x=r * (2.0 * s - 1.0))


@dataclass
class Vertical(Motion):
    name: ClassVar[str] = "vertical"
    description: ClassVar[str] = "glide from bottom to top"

    def path(self, s: float, ctx: MotionContext) -> CameraPose:
        r = SIDEWAYS * self.intensity * ctx.focus_depth
        return ctx.aim(y=r * (1.0 - 2.0 * s))


@dataclass
class KenBurns(Motion):
    name: ClassVar[str] = "ken-burns"
    description: ClassVar[str] = "slow pan and zoom from the photo's view, with a little parallax"
    easing: str = "sine"

    def path(self, s: float, ctx: MotionContext) -> CameraPose:
        amount = self.intensity * s
        pose = ctx.aim(x=0.5 * SIDEWAYS * amount * ctx.focus_depth, zoom=1.0 + 0.15 * amount)
        # The pan: the whole view drifts right, so the subject slides left of its place.
        return dataclasses.replace(pose, shift_x=pose.shift_x - 0.04 * amount)


@dataclass
class Handheld(Motion):
    """Smooth random shake: a few harmonics of the clip length with seeded phases.

    Whole cycles per clip make the path periodic (it loops), and the harmonics' phases come
    from `seed`, so the same seed gives the same shake. `speed` sets the slowest sway in cycles
    per clip.
    """

    name: ClassVar[str] = "handheld"
    description: ClassVar[str] = "subtle natural camera shake (seeded); loops seamlessly"
    periodic: ClassVar[bool] = True
    easing: str = "linear"
    seed: int = 0
    speed: int = 2
    _waves: np.ndarray = field(init=False, repr=False, compare=False)

    HARMONICS: ClassVar[int] = 4
    # Amplitudes (RMS) at intensity 1: translation in focus depths, rotation in radians.
    AMPLITUDE: ClassVar[tuple[float, ...]] = (0.012, 0.009, 0.01, 0.0025, 0.0025, 0.002)

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.speed, int) or not 1 <= self.speed <= 20:
            raise DepthreelError(f"handheld speed must be a whole number 1-20, got {self.speed!r}")
        if not isinstance(self.seed, int):
            raise DepthreelError(f"handheld seed must be a whole number, got {self.seed!r}")
        rng = np.random.default_rng(self.seed)
        k = np.arange(1, self.HARMONICS + 1)
        amplitude = 1.0 / k  # pink-ish: slow sway dominates the jitter
        amplitude /= np.sqrt(0.5 * np.sum(amplitude**2))  # unit RMS per channel
        phases = rng.uniform(0.0, 2.0 * np.pi, (len(self.AMPLITUDE), self.HARMONICS))
        self._waves = np.stack([np.broadcast_to(amplitude, phases.shape), phases])

    def offsets(self, s: float) -> np.ndarray:
        """Six channels (x, y, z, yaw, pitch, roll) at progress s; all zero at s = 0 and 1."""
        amplitude, phases = self._waves
        freq = self.speed * np.arange(1, self.HARMONICS + 1)
        wave = np.sin(2.0 * np.pi * freq * s + phases) - np.sin(phases)
        return np.sum(amplitude * wave, axis=1) * np.array(self.AMPLITUDE) * self.intensity

    def path(self, s: float, ctx: MotionContext) -> CameraPose:
        x, y, z, yaw, pitch, roll = self.offsets(s).tolist()
        f = ctx.focus_depth
        pose = ctx.aim(x * f, y * f, z * f)
        # The rotation is not compensated: a hand shakes the whole frame, subject included.
        return dataclasses.replace(pose, yaw=yaw, pitch=pitch, roll=roll)


BUILTIN_MOTIONS: tuple[type[Motion], ...] = (
    Dolly,
    DollyOut,
    Zoom,
    DollyZoom,
    Circle,
    Orbit,
    Swing,
    Horizontal,
    Vertical,
    KenBurns,
    Handheld,
)


@hookimpl
def register_motions(register: Register) -> None:
    for motion in BUILTIN_MOTIONS:
        register(motion)
