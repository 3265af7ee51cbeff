"""The default inpainter: multi-scale diffusion from the far side of every hole."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from depthreel.inpaint import Inpainter
from depthreel.inpaint.pyramid import far_push_pull


class DiffusionInpainter(Inpainter):
    """Fills holes with a far-biased push-pull pyramid of the context (colour and depth).

    Every pyramid cell keeps only the context pixels within `tol` (relative depth, option
    `tol`, default 0.3) of its farthest one, so a hole between a foreground and a background
    takes the background's colour and depth, never the foreground's; only context pixels feed
    the pyramid at all. `tol=inf` makes it a plain push-pull.
    """

    name: ClassVar[str] = "diffusion"
    description: ClassVar[str] = "far-biased multi-scale diffusion (fast, default)"

    def inpaint(
        self,
        rgb: np.ndarray,
        depth: np.ndarray,
        hole: np.ndarray,
        context: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        source = ~hole if context is None else context & ~hole
        tol = float(self.options.get("tol", 0.3))
        filled_rgb, filled_depth = far_push_pull(rgb, depth, source.view(np.uint8), tol)
        out_rgb = np.array(rgb, np.float32)
        out_depth = np.array(depth, np.float32)
        np.copyto(out_rgb, filled_rgb, where=hole[..., None])
        np.copyto(out_depth, filled_depth, where=hole)
        return out_rgb, out_depth
