"""Frame effects: one effect = one small dataclass with `apply`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np


@dataclass(frozen=True)
class EffectContext:
    """What an effect may use besides the frame: the frame's depth and the time."""

    depth: np.ndarray  # (H, W) float32 metric depth of the visible surface
    t: float = 0.0  # normalised clip time in [0, 1]
    focus_depth: float = 1.0
    frame_index: int = 0


@dataclass
class Effect:
    """Base class for effects contributed through the `register_effects` hook.

    `apply` takes an (H, W, 3) float32 RGB frame in [0, 1] and returns one of the same shape.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def apply(self, frame: np.ndarray, ctx: EffectContext) -> np.ndarray:
        raise NotImplementedError
