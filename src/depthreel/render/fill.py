"""Compositing of the splatted surfaces, and hole filling biased towards the far side.

`resolve` composites each pixel's front surface over its back surface with the front's
coverage (geometric weight times alpha), so a soft foreground edge blends over the surface
behind it, and writes colour premultiplied by coverage, depth and coverage.

A pixel the splats did not fully cover (coverage < 1) then gets the rest of its colour from a
smooth push-pull fill. The pyramid is built by 2x2 reductions that keep only the farthest
surface among the children (within FILL_TOL), and interpolated back down with bilinear weights
restricted to the farthest neighbours, so a disocclusion takes the colour and depth of the
background it uncovers, never of the foreground that moved over it, and frame-border gaps get
a soft blur instead of a smear. `resolve` builds level 1 in the same sweep, so the fill never
rereads the frame, and the final push only touches rows that have holes.

Numba's cache does not notice edits to jitted helpers or constants imported from another
module: clear the __pycache__ *.nbi/*.nbc files after changing depthreel.render.splat.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from depthreel.render.splat import EMPTY, FASTMATH

GAIN = 1.25  # geometric coverage = min(1, GAIN * weight sum): absorbs tent ripple
FILL_TOL = 0.1  # relative depth band of the "far side" of a hole
FULL = 1.0 - 1e-6  # coverage at or above this is not a hole


@njit(cache=True, nogil=True, fastmath=FASTMATH, inline="always")
def _far_add(
    acc: tuple[float, float, float, float, float, float],
    r: float,
    g: float,
    b: float,
    z: float,
    c: float,
) -> tuple[float, float, float, float, float, float]:
    """Add a pixel to a far-biased sum (r, g, b, c*z, c, zfar): nearer pixels are ignored."""
    if c <= 0.0 or z <= 0.0:
        return acc
    zfar = acc[5]
    if z > zfar * (1.0 + FILL_TOL):
        return r, g, b, c * z, c, z
    if z * (1.0 + FILL_TOL) < zfar:
        return acc
    return acc[0] + r, acc[1] + g, acc[2] + b, acc[3] + c * z, acc[4] + c, max(zfar, z)


@njit(cache=True, nogil=True, fastmath=FASTMATH)
def resolve(
    state: np.ndarray,
    back: np.ndarray,
    rgb: np.ndarray,
    depth: np.ndarray,
    cover: np.ndarray,
    level1: np.ndarray,
    row_holes: np.ndarray,
) -> int:
    """Composite front over back; write rgb (premultiplied by coverage), depth and coverage.

    Front coverage = min(1, GAIN * sum w) * (sum w a / sum w); the back fills the rest with its
    own coverage. Resets the depths in `state` for the next frame. Returns the number of holes
    (coverage < 1); row_holes[i] says whether row i has one. level1 (ceil(H/2), ceil(W/2), 5)
    receives the far-biased 2x2 reduction (r, g, b, z, weight) that starts the fill pyramid.
    """
    h, w = depth.shape
    holes = 0
    empty = EMPTY
    for bi in range(level1.shape[0]):
        for bj in range(level1.shape[1]):
            acc = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
            for i in range(2 * bi, min(2 * bi + 2, h)):
                for j in range(2 * bj, min(2 * bj + 2, w)):
                    # Inline on purpose: Numba reference-counts arrays passed to helpers.
                    z1 = state[i, j, 0]
                    z2 = state[i, j, 1]
                    state[i, j, 0] = empty
                    state[i, j, 1] = empty
                    cf = r = g = b = 0.0
                    if z1 < empty:
                        wa = state[i, j, 5]
                        wsum = state[i, j, 6]
                        cf = min(1.0, GAIN * wsum) * min(1.0, wa / wsum)
                        if wa > 0.0:
                            s = cf / wa
                            r = state[i, j, 2] * s
                            g = state[i, j, 3] * s
                            b = state[i, j, 4] * s
                    cb = 0.0
                    if z2 < empty:
                        wb = back[i, j, 3]
                        if wb > 0.0:
                            cb = (1.0 - cf) * min(1.0, GAIN * wb)
                            s = cb / wb
                            r += back[i, j, 0] * s
                            g += back[i, j, 1] * s
                            b += back[i, j, 2] * s
                    c = cf + cb
                    z = 0.0
                    if cf > 0.0 and cf >= cb:
                        z = z1
                    elif cb > 0.0:
                        z = z2
                    rgb[i, j, 0] = r
                    rgb[i, j, 1] = g
                    rgb[i, j, 2] = b
                    depth[i, j] = z
                    cover[i, j] = c
                    if c < FULL:
                        row_holes[i] = True
                        holes += 1
                    acc = _far_add(acc, r, g, b, z, c)
            sc = acc[4]
            if sc > 0.0:
                inv = 1.0 / sc
                level1[bi, bj, 0] = acc[0] * inv
                level1[bi, bj, 1] = acc[1] * inv
                level1[bi, bj, 2] = acc[2] * inv
                level1[bi, bj, 3] = acc[3] * inv
                level1[bi, bj, 4] = min(1.0, sc)
            else:
                for k in range(5):
                    level1[bi, bj, k] = 0.0
    return holes


def pyramid_shapes(height: int, width: int) -> list[tuple[int, int]]:
    """Sizes of levels 1, 2, ... down to 1x1 for a height x width frame."""
    shapes = []
    h, w = height, width
    while h > 1 or w > 1:
        h, w = (h + 1) // 2, (w + 1) // 2
        shapes.append((h, w))
    return shapes or [(1, 1)]


@njit(cache=True, nogil=True, fastmath=FASTMATH)
def pull_level(fine: np.ndarray, coarse: np.ndarray) -> int:
    """Far-biased 2x2 reduction of (h, w, 5) = (r, g, b, z, weight); returns #coarse holes."""
    h, w = fine.shape[0], fine.shape[1]
    holes = 0
    for bi in range(coarse.shape[0]):
        for bj in range(coarse.shape[1]):
            acc = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
            for i in range(2 * bi, min(2 * bi + 2, h)):
                for j in range(2 * bj, min(2 * bj + 2, w)):
                    c = fine[i, j, 4]
                    acc = _far_add(
                        acc,
                        fine[i, j, 0] * c,
                        fine[i, j, 1] * c,
                        fine[i, j, 2] * c,
                        fine[i, j, 3],
                        c,
                    )
            sc = acc[4]
            if sc > 0.0:
                inv = 1.0 / sc
                coarse[bi, bj, 0] = acc[0] * inv
                coarse[bi, bj, 1] = acc[1] * inv
                coarse[bi, bj, 2] = acc[2] * inv
                coarse[bi, bj, 3] = acc[3] * inv
            else:
                for k in range(4):
                    coarse[bi, bj, k] = 0.0
            coarse[bi, bj, 4] = min(1.0, sc)
            if sc < FULL:
                holes += 1
    return holes


@njit(cache=True, nogil=True, fastmath=FASTMATH, inline="always")
def _corners(i: int, j: int, hc: int, wc: int) -> tuple[int, int, int, int, float, float]:
    """Coarse rows ia, ib, columns ja, jb and fractions ty, tx around fine pixel (i, j)."""
    cy = 0.5 * i - 0.25
    cx = 0.5 * j - 0.25
    fy = math.floor(cy)
    fx = math.floor(cx)
    ia = min(max(fy, 0), hc - 1)
    ib = min(max(fy + 1, 0), hc - 1)
    ja = min(max(fx, 0), wc - 1)
    jb = min(max(fx + 1, 0), wc - 1)
    return ia, ib, ja, jb, cy - fy, cx - fx


@njit(cache=True, nogil=True, fastmath=FASTMATH, inline="always")
def _far_weights(
    z00: float, z01: float, z10: float, z11: float, ty: float, tx: float
) -> tuple[float, float, float, float]:
    """Bilinear weights restricted to the corners on the farthest surface, normalised."""
    zmin = max(max(z00, z01), max(z10, z11)) / (1.0 + FILL_TOL)
    w00 = (1.0 - ty) * (1.0 - tx) + 1e-6 if z00 >= zmin else 0.0
    w01 = (1.0 - ty) * tx + 1e-6 if z01 >= zmin else 0.0
    w10 = ty * (1.0 - tx) + 1e-6 if z10 >= zmin else 0.0
    w11 = ty * tx + 1e-6 if z11 >= zmin else 0.0
    inv = 1.0 / (w00 + w01 + w10 + w11)
    return w00 * inv, w01 * inv, w10 * inv, w11 * inv


@njit(cache=True, nogil=True, fastmath=FASTMATH)
def push_level(coarse: np.ndarray, fine: np.ndarray) -> None:
    """Complete a (h, w, 5) level: blend in the far-biased upsampled coarse level where w < 1."""
    hc, wc = coarse.shape[0], coarse.shape[1]
    for i in range(fine.shape[0]):
        for j in range(fine.shape[1]):
            c = fine[i, j, 4]
            if c >= FULL:
                continue
            # Gathers inline: Numba reference-counts arrays passed to helpers.
            ia, ib, ja, jb, ty, tx = _corners(i, j, hc, wc)
            w00, w01, w10, w11 = _far_weights(
                coarse[ia, ja, 3], coarse[ia, jb, 3], coarse[ib, ja, 3], coarse[ib, jb, 3], ty, tx
            )
            k = 1.0 - c
            for ch in range(4):
                up = (
                    w00 * coarse[ia, ja, ch]
                    + w01 * coarse[ia, jb, ch]
                    + w10 * coarse[ib, ja, ch]
                    + w11 * coarse[ib, jb, ch]
                )
                fine[i, j, ch] = c * fine[i, j, ch] + k * up
            fine[i, j, 4] = 1.0


@njit(cache=True, nogil=True, fastmath=FASTMATH)
def push_frame(
    level1: np.ndarray,
    rgb: np.ndarray,
    depth: np.ndarray,
    cover: np.ndarray,
    row_holes: np.ndarray,
) -> None:
    """Fill the frame's holes from the completed level 1; clears row_holes.

    rgb is premultiplied by coverage, so the fill adds (1 - coverage) of the fill colour.
    Depth is replaced where coverage < 1/2 (the fill dominates) or missing.
    """
    h, w = depth.shape
    hc, wc = level1.shape[0], level1.shape[1]
    for i in range(h):
        if not row_holes[i]:
            continue
        row_holes[i] = False
        for j in range(w):
            c = cover[i, j]
            if c >= FULL:
                continue
            ia, ib, ja, jb, ty, tx = _corners(i, j, hc, wc)
            w00, w01, w10, w11 = _far_weights(
                level1[ia, ja, 3], level1[ia, jb, 3], level1[ib, ja, 3], level1[ib, jb, 3], ty, tx
            )
            k = 1.0 - c
            for ch in range(3):
                rgb[i, j, ch] += k * (
                    w00 * level1[ia, ja, ch]
                    + w01 * level1[ia, jb, ch]
                    + w10 * level1[ib, ja, ch]
                    + w11 * level1[ib, jb, ch]
                )
            if c < 0.5 or depth[i, j] <= 0.0:
                depth[i, j] = (
                    w00 * level1[ia, ja, 3]
                    + w01 * level1[ia, jb, 3]
                    + w10 * level1[ib, ja, 3]
                    + w11 * level1[ib, jb, 3]
                )


def fill_frame(
    rgb: np.ndarray,
    depth: np.ndarray,
    cover: np.ndarray,
    row_holes: np.ndarray,
    pyramid: list[np.ndarray],
) -> None:
    """Fill holes in place; pyramid[0] is level 1 as written by resolve, the rest scratch."""
    top = 0
    while top + 1 < len(pyramid):
        holes = pull_level(pyramid[top], pyramid[top + 1])
        top += 1
        if holes == 0:
            break
    for level in range(top - 1, -1, -1):
        push_level(pyramid[level + 1], pyramid[level])
    push_frame(pyramid[0], rgb, depth, cover, row_holes)
