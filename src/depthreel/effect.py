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


def parse_color(text: str, where: str = "color") -> np.ndarray:
    """'#aabbcc' or 'aabbcc' (hex digits only may arrive as a number) -> float32 RGB in [0, 1]."""
    from depthreel.errors import DepthreelError

    value = f"{text:06d}" if isinstance(text, int) else str(text).strip().lstrip("#")
    try:
        parts = [int(value[i : i + 2], 16) / 255.0 for i in (0, 2, 4)] if len(value) == 6 else []
    except ValueError:
        parts = []
    if len(parts) != 3:
        raise DepthreelError(f"{where}: colour '{text}' is not #rrggbb")
    return np.array(parts, np.float32)
