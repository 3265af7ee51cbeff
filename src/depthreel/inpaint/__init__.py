"""Inpainters fill hidden or uncovered pixels, colour and depth; they are plugins."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np


class Inpainter:
    """Base class for inpainters contributed through the `register_inpainters` hook."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def __init__(self, **options: Any) -> None:
        self.options = options

    def inpaint(
        self,
        rgb: np.ndarray,
        depth: np.ndarray,
        hole: np.ndarray,
        context: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Fill the `hole` pixels of rgb (H, W, 3) float32 and depth (H, W) float32.

        Only pixels where `context` is True (default: outside the hole) may be copied from,
        so a caller can keep foreground colour out of a background fill. Returns new arrays.
        """
        raise NotImplementedError
