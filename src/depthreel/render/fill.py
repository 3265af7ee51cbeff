"""Hole filling: a push-pull pyramid biased towards the far side of every hole.

A pixel the splats did not fully cover (coverage < 1, see depthreel.render.composite) gets the
rest of its colour from a smooth push-pull fill. The pyramid is built by 2x2 reductions that
keep only the farthest surface among the children (within FILL_TOL), and interpolated back
down with bilinear weights restricted to the farthest neighbours, so a disocclusion takes the
colour and depth of the background it uncovers, never of the foreground that moved over it,
and frame-border gaps get a soft blur instead of a smear. The fine levels are only built on
tiles around holes (fill_frame), and the final push only touches rows that have holes.

Numba's cache does not notice edits to jitted helpers or constants imported from another
module: clear the __pycache__ *.nbi/*.nbc files after changing depthreel.render.splat or
depthreel.render.composite.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
from numba import njit

from depthreel.render.composite import FULL, TILE_LEVEL
from depthreel.render.splat import JIT

FILL_TOL = 0.1  # relative depth band of the "far side" of a hole


@njit(**JIT, inline="always")
def _far4(
    z0: float, z1: float, z2: float, z3: float, c0: float, c1: float, c2: float, c3: float
) -> tuple[float, float, float, float]:
    """Weights of four pixels (depth z, weight c) reduced to their farthest surface.

    A pixel counts with its own weight if it has content and lies within FILL_TOL of the
    farthest one; nearer pixels (a foreground next to a hole) get weight 0.
    """
    v0 = z0 if c0 > 0.0 else 0.0
    v1 = z1 if c1 > 0.0 else 0.0
    v2 = z2 if c2 > 0.0 else 0.0
    v3 = z3 if c3 > 0.0 else 0.0
    lim = max(max(v0, v1), max(v2, v3)) * (1.0 / (1.0 + FILL_TOL))
    return (
        c0 if v0 >= lim and v0 > 0.0 else 0.0,
        c1 if v1 >= lim and v1 > 0.0 else 0.0,
        c2 if v2 >= lim and v2 > 0.0 else 0.0,
        c3 if v3 >= lim and v3 > 0.0 else 0.0,
    )


def pyramid_shapes(height: int, width: int) -> list[tuple[int, int]]:
    """Sizes of levels 1, 2, ... down to 1x1 for a height x width frame."""
    shapes = []
    h, w = height, width
    while h > 1 or w > 1:
        h, w = (h + 1) // 2, (w + 1) // 2
        shapes.append((h, w))
    return shapes or [(1, 1)]


@njit(**JIT)
def _tile_rows(tiles: np.ndarray, t: int, rows: int, cols: int) -> Iterator[tuple[int, int, int]]:
    """Row segments (i, j0, j1) of the active tiles (t x t cells each) of a rows x cols level."""
    for ti in range(tiles.shape[0]):
        for tj in range(tiles.shape[1]):
            if tiles[ti, tj]:
                for i in range(ti * t, min((ti + 1) * t, rows)):
                    yield i, tj * t, min((tj + 1) * t, cols)


@njit(**JIT)
def pull_frame(
    rgb: np.ndarray,
    depth: np.ndarray,
    cover: np.ndarray,
    level1: np.ndarray,
    tiles: np.ndarray,
    t: int,
) -> None:
    """Level 1 of the pyramid: far-biased 2x2 reduction of the resolved frame.

    level1 (ceil(H/2), ceil(W/2), 5) = (r, g, b, z, weight); rgb is premultiplied by coverage,
    so a child's colour weighs c * (rgb / c) = rgb. A lone last row/column counts once. Only
    tiles[ti, tj] (blocks of t x t level-1 cells) are computed.
    """
    h, w = depth.shape
    for bi, bj0, bj1 in _tile_rows(tiles, t, level1.shape[0], level1.shape[1]):
        i0 = 2 * bi
        i1 = min(i0 + 1, h - 1)
        ci = 1.0 if i1 > i0 else 0.0
        for bj in range(bj0, bj1):
            j0 = 2 * bj
            j1 = min(j0 + 1, w - 1)
            cj = 1.0 if j1 > j0 else 0.0
            m0, m1, m2, m3 = _far4(
                depth[i0, j0],
                depth[i0, j1],
                depth[i1, j0],
                depth[i1, j1],
                cover[i0, j0],
                cover[i0, j1] * cj,
                cover[i1, j0] * ci,
                cover[i1, j1] * ci * cj,
            )
            sc = m0 + m1 + m2 + m3
            inv = 1.0 / max(sc, 1e-30)
            k0 = 1.0 if m0 > 0.0 else 0.0
            k1 = 1.0 if m1 > 0.0 else 0.0
            k2 = 1.0 if m2 > 0.0 else 0.0
            k3 = 1.0 if m3 > 0.0 else 0.0
            for ch in range(3):
                level1[bi, bj, ch] = inv * (
                    k0 * rgb[i0, j0, ch]
                    + k1 * rgb[i0, j1, ch]
                    + k2 * rgb[i1, j0, ch]
                    + k3 * rgb[i1, j1, ch]
                )
            level1[bi, bj, 3] = inv * (
                m0 * depth[i0, j0] + m1 * depth[i0, j1] + m2 * depth[i1, j0] + m3 * depth[i1, j1]
            )
            level1[bi, bj, 4] = min(1.0, sc)


@njit(**JIT)
def pull_level(fine: np.ndarray, coarse: np.ndarray, tiles: np.ndarray, t: int) -> int:
    """Far-biased 2x2 reduction of (h, w, 5) = (r, g, b, z, weight) in the active tiles.

    Returns the number of coarse cells computed that are still holes (weight < 1).
    """
    h, w = fine.shape[0], fine.shape[1]
    holes = 0
    for bi, bj0, bj1 in _tile_rows(tiles, t, coarse.shape[0], coarse.shape[1]):
        i0 = 2 * bi
        i1 = min(i0 + 1, h - 1)
        ci = 1.0 if i1 > i0 else 0.0
        for bj in range(bj0, bj1):
            j0 = 2 * bj
            j1 = min(j0 + 1, w - 1)
            cj = 1.0 if j1 > j0 else 0.0
            m0, m1, m2, m3 = _far4(
                fine[i0, j0, 3],
                fine[i0, j1, 3],
                fine[i1, j0, 3],
                fine[i1, j1, 3],
                fine[i0, j0, 4],
                fine[i0, j1, 4] * cj,
                fine[i1, j0, 4] * ci,
                fine[i1, j1, 4] * ci * cj,
            )
            sc = m0 + m1 + m2 + m3
            inv = 1.0 / max(sc, 1e-30)
            for ch in range(4):
                coarse[bi, bj, ch] = inv * (
                    m0 * fine[i0, j0, ch]
                    + m1 * fine[i0, j1, ch]
                    + m2 * fine[i1, j0, ch]
                    + m3 * fine[i1, j1, ch]
                )
            coarse[bi, bj, 4] = min(1.0, sc)
            holes += sc < FULL
    return holes


@njit(**JIT, inline="always")
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


@njit(**JIT, inline="always")
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


@njit(**JIT)
def push_level(coarse: np.ndarray, fine: np.ndarray, tiles: np.ndarray, t: int) -> None:
    """Complete the active tiles of a (h, w, 5) level where w < 1 from the coarse level.

    Blends in the far-biased bilinear upsampling of the (complete) coarse level.
    """
    hc, wc = coarse.shape[0], coarse.shape[1]
    for i, j0, j1 in _tile_rows(tiles, t, fine.shape[0], fine.shape[1]):
        for j in range(j0, j1):
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


@njit(**JIT)
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


ALL = np.ones((1, 1), np.bool_)  # "every tile" for the levels coarser than TILE_LEVEL


def tile_shape(height: int, width: int) -> tuple[int, int]:
    """Number of fill tiles (rows, columns) of a height x width frame."""
    size = 1 << TILE_LEVEL
    return -(-height // size), -(-width // size)


def _dilate(mask: np.ndarray) -> np.ndarray:
    """A boolean tile mask grown by one tile in all eight directions."""
    grown = mask.copy()
    grown[1:] |= mask[:-1]
    grown[:-1] |= mask[1:]
    wide = grown.copy()
    wide[:, 1:] |= grown[:, :-1]
    wide[:, :-1] |= grown[:, 1:]
    return wide


def fill_frame(
    rgb: np.ndarray,
    depth: np.ndarray,
    cover: np.ndarray,
    row_holes: np.ndarray,
    tile_holes: np.ndarray,
    pyramid: list[np.ndarray],
) -> None:
    """Fill the holes of a resolved frame in place; `pyramid` is scratch (pyramid_shapes).

    The fine levels (up to TILE_LEVEL) are only built on tiles with holes and their
    neighbours, which suffices: a cell is incomplete only where it has holes, and its push
    reads coarse cells at most one cell away. A tile that is nearly all hole (incomplete at
    TILE_LEVEL) also gets its neighbours, repeatedly, so big holes see enough context. The
    coarser levels are built on whole frames from those tiles (others count as empty).
    Clears row_holes and tile_holes.
    """
    fine = min(TILE_LEVEL, len(pyramid))
    big = 1 << 30
    if fine < TILE_LEVEL:  # a tiny frame: no tiling
        tile_holes[:] = True
    done = np.zeros_like(tile_holes)
    active = _dilate(tile_holes)
    while True:
        new = active & ~done
        if not new.any():
            break
        pull_frame(rgb, depth, cover, pyramid[0], new, 1 << (TILE_LEVEL - 1))
        for k in range(1, fine):
            pull_level(pyramid[k - 1], pyramid[k], new, 1 << (TILE_LEVEL - 1 - k))
        done |= new
        if fine < TILE_LEVEL:
            break
        weak = done & (pyramid[fine - 1][..., 4] < FULL)
        active |= _dilate(weak)
    top = fine - 1
    if fine == TILE_LEVEL:
        pyramid[top][~done] = 0.0  # tiles that were not built count as empty
        while top + 1 < len(pyramid):
            holes = pull_level(pyramid[top], pyramid[top + 1], ALL, big)
            top += 1
            if holes == 0:
                break
    for k in range(top - 1, -1, -1):
        if k >= fine - 1:
            push_level(pyramid[k + 1], pyramid[k], ALL, big)
        else:
            push_level(pyramid[k + 1], pyramid[k], done, 1 << (TILE_LEVEL - 1 - k))
    push_frame(pyramid[0], rgb, depth, cover, row_holes)
    tile_holes[:] = False
