"""The default inpainter: multi-scale diffusion from the background side only."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from depthreel.imaging import push_pull
from depthreel.inpaint import Inpainter


class DiffusionInpainter(Inpainter):
    """Fills holes with a push-pull pyramid of the context pixels (colour and depth together).

    Only context pixels feed the pyramid, so a hole behind a foreground edge takes the
    background's colour and depth, never the foreground's.
    """

    name: ClassVar[str] = "diffusion"
    description: ClassVar[str] = "background-aware multi-scale diffusion (fast, default)"

    def inpaint(
        self,
        rgb: np.ndarray,
        depth: np.ndarray,
        hole: np.ndarray,
        context: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        source = ~hole if context is None else context & ~hole
        if not source.any():
            return rgb.copy(), depth.copy()
        stack = np.concatenate([rgb, depth[..., None]], axis=2).astype(np.float32)
        filled = push_pull(stack, source.astype(np.float32))
        out_rgb = np.where(hole[..., None], filled[..., :3], rgb).astype(np.float32)
        out_depth = np.where(hole, filled[..., 3], depth).astype(np.float32)
        return out_rgb, out_depth
