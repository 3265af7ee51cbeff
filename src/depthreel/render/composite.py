"""Compositing of the two splatted surfaces of every pixel into a frame.

`resolve` composites each pixel's front surface over its back surface with the front's
coverage (geometric weight times alpha), so a soft foreground edge blends over the surface
behind it, and writes colour premultiplied by coverage, depth and coverage. Pixels with
coverage < 1 are holes for depthreel.render.fill, which `resolve` marks by row and tile.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from depthreel.render.splat import EMPTY, JIT

GAIN = 1.4  # geometric coverage = min(1, GAIN * weight sum): absorbs tent ripple
FULL = 1.0 - 1e-6  # coverage at or above this is not a hole
TILE_LEVEL = 5  # holes are marked on tiles of 2**TILE_LEVEL pixels (see fill.fill_frame)


@njit(**JIT)
def resolve(
    state: np.ndarray,
    back: np.ndarray,
    has_alpha: bool,
    rgb: np.ndarray,
    depth: np.ndarray,
    cover: np.ndarray,
    row_holes: np.ndarray,
    tile_holes: np.ndarray,
) -> int:
    """Composite front over back; write rgb (premultiplied by coverage), depth and coverage.

    Front coverage = min(1, GAIN * sum w) * (sum w a / sum w); the back fills the rest with its
    own coverage. Resets the depths in `state` for the next frame. Returns the number of holes
    (coverage < 1) and marks the rows and fill tiles (see fill_frame) that have some.
    """
    h, w = depth.shape
    holes = 0
    empty = EMPTY
    wslot = 6 if has_alpha else 5  # without alpha, sum w a is the weight sum
    for i in range(h):
        row = 0
        for j in range(w):
            z1 = state[i, j, 0]
            z2 = state[i, j, 1]
            state[i, j, 0] = empty
            state[i, j, 1] = empty
            cf = r = g = b = 0.0
            if z1 < empty:
                wsum = state[i, j, wslot]
                sf = min(1.0, GAIN * wsum) / wsum  # geometric coverage / sum w
                cf = min(1.0, state[i, j, 5] * sf)  # times alpha
                r = state[i, j, 2] * sf
                g = state[i, j, 3] * sf
                b = state[i, j, 4] * sf
            cb = 0.0
            if z2 < empty:
                wb = back[i, j, 3]
                sb = (1.0 - cf) * min(1.0, GAIN * wb) / wb
                cb = wb * sb
                r += back[i, j, 0] * sb
                g += back[i, j, 1] * sb
                b += back[i, j, 2] * sb
            c = cf + cb
            rgb[i, j, 0] = r
            rgb[i, j, 1] = g
            rgb[i, j, 2] = b
            depth[i, j] = z1 if cf > 0.0 and cf >= cb else (z2 if cb > 0.0 else 0.0)
            cover[i, j] = c
            if c < FULL:
                row += 1
                tile_holes[i >> TILE_LEVEL, j >> TILE_LEVEL] = True
        if row:
            row_holes[i] = True
            holes += row
    return holes
