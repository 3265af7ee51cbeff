"""Built-in inpainters."""

from __future__ import annotations

from typing import ClassVar

import cv2
import numpy as np

from depthreel import hookimpl
from depthreel.hookspecs import Register
from depthreel.imaging import push_pull
from depthreel.inpaint import Inpainter


class TeleaInpainter(Inpainter):
    """OpenCV's fast-marching inpainting (Telea 2004) for colour; depth by push-pull.

    The baseline the default inpainter is measured against. Depth uses a push-pull of the
    context (Telea's float mode extrapolates gradients and overshoots across large holes).
    """

    name: ClassVar[str] = "telea"
    description: ClassVar[str] = "OpenCV fast-marching inpainting (baseline)"

    def inpaint(
        self,
        rgb: np.ndarray,
        depth: np.ndarray,
        hole: np.ndarray,
        context: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        radius = int(self.options.get("radius", 3))
        # Pixels outside the context are treated as holes too, so they are never copied.
        mask = hole if context is None else hole | ~context
        mask8 = mask.astype(np.uint8)
        image8 = np.clip(rgb * 255 + 0.5, 0, 255).astype(np.uint8)
        filled = cv2.inpaint(image8, mask8, radius, cv2.INPAINT_TELEA).astype(np.float32) / 255
        filled_depth = push_pull(depth.astype(np.float32), (~mask).astype(np.float32))
        out_rgb, out_depth = rgb.copy(), depth.copy()
        out_rgb[hole] = filled[hole]
        out_depth[hole] = filled_depth[hole]
        return out_rgb, out_depth


@hookimpl
def register_inpainters(register: Register) -> None:
    from depthreel.inpaint.diffusion import DiffusionInpainter
    from depthreel.inpaint.lama import LamaInpainter

    register(DiffusionInpainter)
    register(TeleaInpainter)
    register(LamaInpainter)
