"""Built-in frame effects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from depthreel import hookimpl
from depthreel.effect import Effect, EffectContext
from depthreel.hookspecs import Register


@dataclass
class Vignette(Effect):
    """Darken the corners: gain = 1 - strength * (r / r_corner) ** (2 * softness)."""

    name: ClassVar[str] = "vignette"
    description: ClassVar[str] = "darken the frame towards its corners"

    strength: float = 0.35
    softness: float = 1.0
    _cache: dict[tuple[int, int], np.ndarray] = field(default_factory=dict, repr=False)

    def gain(self, height: int, width: int) -> np.ndarray:
        key = (height, width)
        if key not in self._cache:
            y = (np.arange(height, dtype=np.float32) - (height - 1) / 2) / ((height - 1) / 2 or 1)
            x = (np.arange(width, dtype=np.float32) - (width - 1) / 2) / ((width - 1) / 2 or 1)
            r2 = (x[None, :] ** 2 + y[:, None] ** 2) / 2.0  # 1 at the corners
            self._cache[key] = (1.0 - self.strength * r2**self.softness).astype(np.float32)
        return self._cache[key]

    def apply(self, frame: np.ndarray, ctx: EffectContext) -> np.ndarray:
        return frame * self.gain(*frame.shape[:2])[:, :, None]


@hookimpl
def register_effects(register: Register) -> None:
    register(Vignette)
