"""Finishing a scattered frame: the second surface composited, empty pixels cleared, holes marked.

depthreel.render.splat.scatter leaves per pixel the nearest surface's colour in the frame and
maybe a second surface in the back buffer (see splat._claim). `resolve` composites the nearer
over the farther with its coverage (geometric coverage times alpha); a surface behind that
merely abuts the nearer one fills the rest of the pixel rather than only its share of it
("disjoint over"), so there is no seam where surfaces meet. Colour stays premultiplied by
coverage; pixels no sample reached get colour, coverage and depth 0. Pixels with coverage < 1
are holes for depthreel.render.fill, which `resolve` marks by row and tile.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from depthreel.render.jit import EMPTY, FULL, JIT

__all__ = ["FULL", "TILE_LEVEL", "over", "resolve"]

TILE_LEVEL = 4  # holes are marked on tiles of 2**TILE_LEVEL pixels (see fill.fill_frame)


@njit(**JIT, inline="always")
def over(
    front: tuple[float, float, float, float],
    back: tuple[float, float, float, float],
) -> tuple[float, float, float, float]:
    """Premultiplied front over back; a back with coverage < 1 fills at most what is left."""
    r, g, b, a = front
    rb, gb, bb, ab = back
    if ab <= 0.0:
        return r, g, b, a
    s = min(1.0, (1.0 - a) / ab)
    return r + s * rb, g + s * gb, b + s * bb, a + s * ab


@njit(**JIT)
def resolve(
    rgb: np.ndarray,
    cover: np.ndarray,
    depth: np.ndarray,
    back_z: np.ndarray,
    back: np.ndarray,
    back_rows: np.ndarray,
    row_holes: np.ndarray,
    tile_holes: np.ndarray,
) -> int:
    """Finish the scattered frame rgb (H, W, 3), cover, depth (H, W) in place.

    back_z (H, W), back (H, W, 4) = (r, g, b, a): the second surfaces, used in the rows
    back_rows marks; resets them (and back_rows) for the next frame. Returns the number of
    holes and marks the rows and fill tiles (see fill_frame) that have some.
    """
    h, w = depth.shape
    holes = 0
    for i in range(h):
        two = back_rows[i]
        back_rows[i] = False
        count = 0
        for j in range(w):
            z = depth[i, j]
            a = cover[i, j]
            if z >= EMPTY:
                rgb[i, j, 0] = rgb[i, j, 1] = rgb[i, j, 2] = 0.0
                depth[i, j] = 0.0
                cover[i, j] = a = 0.0
            elif two and back_z[i, j] < EMPTY:
                zb = back_z[i, j]
                back_z[i, j] = EMPTY
                if a < FULL:
                    cf = a
                    r, g, b, a = over(
                        (rgb[i, j, 0], rgb[i, j, 1], rgb[i, j, 2], a),
                        (back[i, j, 0], back[i, j, 1], back[i, j, 2], back[i, j, 3]),
                    )
                    rgb[i, j, 0] = r
                    rgb[i, j, 1] = g
                    rgb[i, j, 2] = b
                    cover[i, j] = a
                    if cf <= 0.0 or a - cf > cf:  # depth follows the dominant surface
                        depth[i, j] = zb
            if a < FULL:
                count += 1
                tile_holes[i >> TILE_LEVEL, j >> TILE_LEVEL] = True
        row_holes[i] = count > 0
        holes += count
    return holes
