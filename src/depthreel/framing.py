"""Choose the crop of the photo that fills the output frame for a whole camera path.

The source image the renderer warps is the output frame plus a margin on every side, wide
enough that no pose of the path (at any depth in the scene) pulls the photo's edge into view.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from depthreel.scene import CameraPose, Intrinsics

MAX_MARGIN = 0.35  # at most this share of the output size is added on each side


@dataclass(frozen=True)
class Framing:
    """Crop (x0, y0, width, height) in photo pixels, and the working and output cameras."""

    crop: tuple[float, float, float, float]
    src: Intrinsics  # the cropped photo resized to the working size
    out: Intrinsics  # the output frame
    scale: float  # working pixels per photo pixel

    @property
    def work_size(self) -> tuple[int, int]:
        return self.src.width, self.src.height


def _border_points(width: int, height: int, n: int = 24) -> tuple[np.ndarray, np.ndarray]:
    t = np.linspace(0.0, 1.0, n)
    xs = np.concatenate([t * (width - 1), t * (width - 1), np.zeros(n), np.full(n, width - 1.0)])
    ys = np.concatenate([np.zeros(n), np.full(n, height - 1.0), t * (height - 1), t * (height - 1)])
    return xs, ys


def intrusion(
    src: Intrinsics,
    out: Intrinsics,
    poses: Sequence[CameraPose],
    depths: Sequence[float],
) -> tuple[float, float]:
    """How far (px, horizontally and vertically) the source's edge enters the output frame."""
    from depthreel.render.project import project_points

    xs, ys = _border_points(src.width, src.height)
    n = len(xs) // 4
    need_x = need_y = -math.inf
    for pose in poses:
        for z in depths:
            u, v, _ = project_points(xs, ys, np.full_like(xs, z), src, pose, out)
            top, bottom, left, right = (slice(i * n, (i + 1) * n) for i in range(4))
            need_x = max(need_x, float(np.max(u[left])), float(out.width - 1 - np.min(u[right])))
            need_y = max(need_y, float(np.max(v[top])), float(out.height - 1 - np.min(v[bottom])))
    return need_x, need_y


def plan_framing(
    photo_size: tuple[int, int],
    photo_focal: float,
    out_size: tuple[int, int],
    poses: Sequence[CameraPose],
    depths: Sequence[float],
    center: tuple[float, float] = (0.5, 0.5),
) -> Framing:
    """Crop the photo to the output's aspect plus the margin the poses need, around `center`.

    photo_focal is in photo pixels; center is the preferred crop centre as fractions of the
    photo's width and height (the subject); the crop is clamped to the photo.
    """
    pw, ph = photo_size
    ow, oh = out_size
    base_scale = ow / min(pw, ph * ow / oh)  # the largest crop of the output's aspect
    mx = my = 0
    for _ in range(12):
        # The crop must fit inside the photo: zoom in (raise the scale) when it does not.
        scale = max(base_scale, (ow + 2 * mx) / pw, (oh + 2 * my) / ph)
        src = Intrinsics.centered(ow + 2 * mx, oh + 2 * my, photo_focal * scale)
        out = Intrinsics.centered(ow, oh, photo_focal * scale)
        need_x, need_y = intrusion(src, out, poses, depths)
        if need_x <= 0 and need_y <= 0:
            break
        # Margins are capped: what a wilder path still uncovers at the border gets filled.
        mx = min(mx + max(0, math.ceil(need_x + 1)), round(MAX_MARGIN * ow))
        my = min(my + max(0, math.ceil(need_y + 1)), round(MAX_MARGIN * oh))
    cw, ch = min(pw, src.width / scale), min(ph, src.height / scale)
    x0 = min(max(center[0] * pw - cw / 2, 0.0), pw - cw)
    y0 = min(max(center[1] * ph - ch / 2, 0.0), ph - ch)
    return Framing(crop=(x0, y0, cw, ch), src=src, out=out, scale=scale)
