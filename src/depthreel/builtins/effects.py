"""Built-in frame effects: each a small dataclass whose `apply` maps a frame to a frame.

Depth-aware effects read EffectContext.depth (the visible surface's distance) and
EffectContext.focus_depth (the subject's distance in this frame's camera).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import cv2
import numpy as np

from depthreel import hookimpl
from depthreel.effect import Effect, EffectContext, parse_color
from depthreel.errors import DepthreelError
from depthreel.hookspecs import Register


def _check(effect: str, name: str, value: object, low: float, high: float) -> None:
    if not isinstance(value, int | float) or not low <= value <= high:
        raise DepthreelError(f"effect '{effect}': {name} must be between {low} and {high}")


@dataclass
class Vignette(Effect):
    """Darken the corners: gain = 1 - strength * (r / r_corner) ** (2 * softness)."""

    name: ClassVar[str] = "vignette"
    description: ClassVar[str] = "darken the frame towards its corners"

    strength: float = 0.35
    softness: float = 1.0
    _cache: dict[tuple[int, int], np.ndarray] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        _check(self.name, "strength", self.strength, 0, 1)
        _check(self.name, "softness", self.softness, 0.05, 10)

    def gain(self, height: int, width: int) -> np.ndarray:
        key = (height, width)
        if key not in self._cache:
            y = (np.arange(height, dtype=np.float32) - (height - 1) / 2) / ((height - 1) / 2 or 1)
            x = (np.arange(width, dtype=np.float32) - (width - 1) / 2) / ((width - 1) / 2 or 1)
            r2 = (x[None, :] ** 2 + y[:, None] ** 2) / 2.0  # 1 at the corners
            gain = (1.0 - self.strength * r2**self.softness).astype(np.float32)
            # Kept per channel: OpenCV multiplies same-shaped arrays ~3x faster than numpy
            # broadcasts one plane over three.
            self._cache[key] = np.repeat(gain[:, :, None], 3, axis=2)
        return self._cache[key][:, :, 0]

    def apply(self, frame: np.ndarray, ctx: EffectContext) -> np.ndarray:
        self.gain(*frame.shape[:2])
        gain3 = self._cache[frame.shape[:2]]
        if frame.dtype != np.float32 or frame.shape != gain3.shape:
            return frame * gain3[:, :, : frame.shape[2]]
        return np.asarray(cv2.multiply(frame, gain3))


@dataclass
class Fog(Effect):
    """Haze that thickens with distance beyond `start` focus depths.

    amount = limit * (1 - exp(-density * max(Z / Z_focus - start, 0))); the frame moves
    towards `color` by that amount, so the subject stays clear and the background fades
    (never quite all the way: a sky at "infinity" keeps a trace of its colour).
    """

    name: ClassVar[str] = "fog"
    description: ClassVar[str] = "atmospheric haze growing with depth (density, color, start)"

    density: float = 0.35
    color: str = "#c9d3dc"
    start: float = 1.0
    limit: float = 0.8

    def __post_init__(self) -> None:
        _check(self.name, "density", self.density, 0, 50)
        _check(self.name, "limit", self.limit, 0, 1)
        _check(self.name, "start", self.start, 0, 1000)
        self._rgb = parse_color(self.color, f"effect '{self.name}'")
        self._fog: np.ndarray | None = None  # the fog colour as a frame, made once per size

    def amount(self, depth: np.ndarray, focus_depth: float) -> np.ndarray:
        """The haze (0 to `limit`) of each pixel; OpenCV's SIMD exp keeps this a few ms."""
        z = np.asarray(depth, np.float32) * np.float32(1.0 / focus_depth) - np.float32(self.start)
        distance = np.maximum(z, np.float32(0.0), out=z)
        clear = cv2.exp(distance * np.float32(-self.density))
        return np.asarray(np.float32(self.limit) * (np.float32(1.0) - clear))

    def apply(self, frame: np.ndarray, ctx: EffectContext) -> np.ndarray:
        amount = self.amount(ctx.depth, ctx.focus_depth)
        key = frame.shape
        if self._fog is None or self._fog.shape != key:
            self._fog = np.empty(key, np.float32)
            self._fog[:] = self._rgb
        frame = np.asarray(frame, np.float32)
        return np.asarray(cv2.blendLinear(frame, self._fog, 1.0 - amount, amount))


@dataclass
class DepthOfField(Effect):
    """Lens blur around a focus plane (depthreel.lens.depth_of_field).

    aperture: blur radius of far things as a share of the frame width. focus: the focus
    distance in subject distances (1 = on the subject, which the camera follows); pull_to:
    when set, focus moves there over the clip (e.g. 4 pulls focus to the background).
    """

    name: ClassVar[str] = "dof"
    description: ClassVar[str] = "depth of field: bokeh blur off the focus plane (aperture, focus)"

    aperture: float = 0.012
    focus: float = 1.0
    pull_to: float | None = None
    max_blur: float = 2.0  # the largest blur, in multiples of the far blur

    def __post_init__(self) -> None:
        _check(self.name, "aperture", self.aperture, 0, 0.1)
        _check(self.name, "focus", self.focus, 0.01, 1000)
        _check(self.name, "max_blur", self.max_blur, 0, 10)
        if self.pull_to is not None:
            _check(self.name, "pull_to", self.pull_to, 0.01, 1000)

    def focus_depth(self, ctx: EffectContext) -> float:
        """Focus distance at this frame; a pull moves evenly in 1/Z (how a focus ring turns)."""
        if self.pull_to is None:
            return self.focus * ctx.focus_depth
        s = ctx.t * ctx.t * (3.0 - 2.0 * ctx.t)
        inverse = (1.0 - s) / self.focus + s / self.pull_to
        return ctx.focus_depth / inverse

    def apply(self, frame: np.ndarray, ctx: EffectContext) -> np.ndarray:
        from depthreel.lens import depth_of_field

        radius = self.aperture * frame.shape[1]
        return depth_of_field(
            frame, ctx.depth, self.focus_depth(ctx), radius, max_radius=self.max_blur * radius
        )


@dataclass
class LightFalloff(Effect):
    """Light that fades with distance like a lamp at the camera: gain = (Z_focus / Z) ** (2s).

    Nothing gets brighter than it was (gain <= 1) and nothing darker than `floor`.
    """

    name: ClassVar[str] = "light-falloff"
    description: ClassVar[str] = "light fades behind the subject, as from a lamp at the camera"

    strength: float = 0.5
    floor: float = 0.25

    def __post_init__(self) -> None:
        _check(self.name, "strength", self.strength, 0, 5)
        _check(self.name, "floor", self.floor, 0, 1)

    def gain(self, depth: np.ndarray, focus_depth: float) -> np.ndarray:
        ratio = np.float32(focus_depth) / np.maximum(depth, np.float32(1e-6))
        return np.clip(ratio ** np.float32(2.0 * self.strength), self.floor, 1.0)

    def apply(self, frame: np.ndarray, ctx: EffectContext) -> np.ndarray:
        return frame * self.gain(ctx.depth, ctx.focus_depth)[..., None]


@dataclass
class Grade(Effect):
    """A colour grade: brightness (gain), contrast about mid-grey, saturation, warmth.

    out = ((rgb * brightness * warm - 0.5) * contrast + 0.5), then saturation scales the
    distance from the pixel's luma; warmth w multiplies red by 1 + w/2 and blue by 1 - w/2.
    """

    name: ClassVar[str] = "grade"
    description: ClassVar[str] = "brightness, contrast, saturation and warmth"

    brightness: float = 1.0
    contrast: float = 1.0
    saturation: float = 1.0
    warmth: float = 0.0

    LUMA: ClassVar[np.ndarray] = np.array([0.2126, 0.7152, 0.0722], np.float32)

    def __post_init__(self) -> None:
        _check(self.name, "brightness", self.brightness, 0, 4)
        _check(self.name, "contrast", self.contrast, 0, 4)
        _check(self.name, "saturation", self.saturation, 0, 4)
        _check(self.name, "warmth", self.warmth, -1, 1)

    def apply(self, frame: np.ndarray, ctx: EffectContext) -> np.ndarray:
        gain = self.brightness * np.array(
            [1.0 + self.warmth / 2, 1.0, 1.0 - self.warmth / 2], np.float32
        )
        out = frame * (gain * self.contrast) + np.float32(0.5 * (1.0 - self.contrast))
        if self.saturation != 1.0:
            luma = (out @ self.LUMA)[..., None]
            out = luma + np.float32(self.saturation) * (out - luma)
        return np.clip(out, 0.0, 1.0, out=out)


@dataclass
class Grain(Effect):
    """Film grain: monochrome noise, the same for the same seed and frame index.

    One noise field per frame size is made once; each frame reads it at an offset drawn from
    (seed, frame index), so frames differ but a re-render is identical.
    """

    name: ClassVar[str] = "grain"
    description: ClassVar[str] = "film grain, deterministic per frame (amount, size, seed)"

    amount: float = 0.04
    size: float = 1.5
    seed: int = 0
    _field: dict[tuple[int, int], np.ndarray] = field(default_factory=dict, repr=False)

    PAD: ClassVar[int] = 64

    def __post_init__(self) -> None:
        _check(self.name, "amount", self.amount, 0, 1)
        _check(self.name, "size", self.size, 0.5, 8)
        if not isinstance(self.seed, int):
            raise DepthreelError(f"effect '{self.name}': seed must be a whole number")

    def noise(self, height: int, width: int, frame_index: int) -> np.ndarray:
        key = (height, width)
        if key not in self._field:
            rng = np.random.default_rng(self.seed)
            h, w = height + self.PAD, width + self.PAD
            small = (max(1, round(w / self.size)), max(1, round(h / self.size)))
            base = rng.standard_normal((small[1], small[0]), dtype=np.float32)
            if small != (w, h):
                base = np.asarray(cv2.resize(base, (w, h), interpolation=cv2.INTER_CUBIC))
            self._field[key] = base / max(float(base.std()), 1e-6)
        rng = np.random.default_rng([self.seed, frame_index])
        dy, dx = (int(v) for v in rng.integers(0, self.PAD, 2))
        return self._field[key][dy : dy + height, dx : dx + width]

    def apply(self, frame: np.ndarray, ctx: EffectContext) -> np.ndarray:
        noise = self.noise(frame.shape[0], frame.shape[1], ctx.frame_index)
        return frame + np.float32(self.amount) * noise[..., None]


BUILTIN_EFFECTS: tuple[type[Effect], ...] = (
    Vignette,
    Fog,
    DepthOfField,
    LightFalloff,
    Grade,
    Grain,
)


@hookimpl
def register_effects(register: Register) -> None:
    for effect in BUILTIN_EFFECTS:
        register(effect)
