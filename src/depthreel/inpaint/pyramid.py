"""Far-biased push-pull: fill holes in colour + depth from the farther surface around them.

A pyramid of 2x2 reductions keeps, in every cell, only the children within `tol` (relative
depth) of the farthest known child, weighted by their weights; holes are then completed top
down by bilinear interpolation restricted to the farthest coarse neighbours. A hole between a
foreground and a background thus takes the background's colour and depth, smoothly, at a cost
linear in the pixel count. With tol = inf it is a plain (unbiased) push-pull.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

JIT: dict[str, Any] = {"cache": True, "nogil": True, "error_model": "numpy"}
FULL = 1.0 - 1e-6


@njit(**JIT)
def _pull(fine: np.ndarray, coarse: np.ndarray, inv_tol: float) -> int:
    """Reduce (h, w, 5) = (r, g, b, z, weight) by 2x2 into coarse; returns coarse holes."""
    h, w = fine.shape[0], fine.shape[1]
    holes = 0
    for bi in range(coarse.shape[0]):
        i0 = 2 * bi
        i1 = min(i0 + 1, h - 1)
        for bj in range(coarse.shape[1]):
            j0 = 2 * bj
            j1 = min(j0 + 1, w - 1)
            zmax = 0.0
            for i, j in ((i0, j0), (i0, j1), (i1, j0), (i1, j1)):
                if fine[i, j, 4] > 0.0 and fine[i, j, 3] > zmax:
                    zmax = fine[i, j, 3]
            lim = zmax * inv_tol
            r = g = b = z = total = 0.0
            for k in range(4):
                i = i0 if k < 2 else i1
                j = j0 if k % 2 == 0 else j1
                if (k >= 2 and i1 == i0) or (k % 2 == 1 and j1 == j0):
                    continue  # a lone last row/column counts once
                c = fine[i, j, 4]
                if c > 0.0 and fine[i, j, 3] >= lim:
                    total += c
                    r += c * fine[i, j, 0]
                    g += c * fine[i, j, 1]
                    b += c * fine[i, j, 2]
                    z += c * fine[i, j, 3]
            inv = 1.0 / max(total, 1e-30)
            coarse[bi, bj, 0] = r * inv
            coarse[bi, bj, 1] = g * inv
            coarse[bi, bj, 2] = b * inv
            coarse[bi, bj, 3] = z * inv
            coarse[bi, bj, 4] = min(1.0, total)
            if total < FULL:
                holes += 1
    return holes


@njit(**JIT)
def _push(coarse: np.ndarray, fine: np.ndarray, inv_tol: float) -> None:
    """Complete fine cells with weight < 1 from the far-biased bilinear upsampling of coarse."""
    hc, wc = coarse.shape[0], coarse.shape[1]
    for i in range(fine.shape[0]):
        cy = 0.5 * i - 0.25
        fy = math.floor(cy)
        ia = min(max(fy, 0), hc - 1)
        ib = min(max(fy + 1, 0), hc - 1)
        ty = cy - fy
        for j in range(fine.shape[1]):
            c = fine[i, j, 4]
            if c >= FULL:
                continue
            cx = 0.5 * j - 0.25
            fx = math.floor(cx)
            ja = min(max(fx, 0), wc - 1)
            jb = min(max(fx + 1, 0), wc - 1)
            tx = cx - fx
            z00 = coarse[ia, ja, 3]
            z01 = coarse[ia, jb, 3]
            z10 = coarse[ib, ja, 3]
            z11 = coarse[ib, jb, 3]
            zmin = max(max(z00, z01), max(z10, z11)) * inv_tol
            w00 = (1.0 - ty) * (1.0 - tx) + 1e-6 if z00 >= zmin else 0.0
            w01 = (1.0 - ty) * tx + 1e-6 if z01 >= zmin else 0.0
            w10 = ty * (1.0 - tx) + 1e-6 if z10 >= zmin else 0.0
            w11 = ty * tx + 1e-6 if z11 >= zmin else 0.0
            norm = (1.0 - c) / (w00 + w01 + w10 + w11)
            for ch in range(4):
                up = (
                    w00 * coarse[ia, ja, ch]
                    + w01 * coarse[ia, jb, ch]
                    + w10 * coarse[ib, ja, ch]
                    + w11 * coarse[ib, jb, ch]
                )
                fine[i, j, ch] = c * fine[i, j, ch] + norm * up
            fine[i, j, 4] = 1.0


@njit(**JIT)
def _level0(rgb: np.ndarray, depth: np.ndarray, weight: np.ndarray, out: np.ndarray) -> None:
    """Pack (r, g, b, z, weight); weights clipped to [0, 1], 0 without a positive depth."""
    for i in range(depth.shape[0]):
        for j in range(depth.shape[1]):
            c = weight[i, j]
            z = depth[i, j]
            c = min(max(float(c), 0.0), 1.0) if c == c and z > 0.0 else 0.0
            out[i, j, 0] = rgb[i, j, 0]
            out[i, j, 1] = rgb[i, j, 1]
            out[i, j, 2] = rgb[i, j, 2]
            out[i, j, 3] = z if c > 0.0 else 0.0
            out[i, j, 4] = c


def far_push_pull(
    rgb: np.ndarray, depth: np.ndarray, weight: np.ndarray, tol: float = 0.3
) -> tuple[np.ndarray, np.ndarray]:
    """Fill the pixels of weight < 1 of rgb (H, W, 3) and depth (H, W), far side first.

    weight (H, W) in [0, 1] (float, or bool/uint8 for 0/1) says how much each pixel is known
    (0: a hole); known pixels need a depth > 0. Returns new (rgb, depth) (views of one
    buffer); a pixel of weight w keeps w of its own value. With no known pixel at all, the
    input comes back unchanged.
    """
    h, w = depth.shape
    inv_tol = 1.0 / (1.0 + tol) if math.isfinite(tol) else 0.0
    levels = [np.empty((h, w, 5), np.float32)]
    if weight.dtype == np.bool_:
        weight = weight.view(np.uint8)
    elif weight.dtype != np.uint8:
        weight = np.asarray(weight, np.float32)
    _level0(np.asarray(rgb, np.float32), np.asarray(depth, np.float32), weight, levels[0])
    known = levels[0][..., 4]
    if known.min() >= FULL or known.max() <= 0.0:
        return np.asarray(rgb, np.float32), np.asarray(depth, np.float32)
    while levels[-1].shape[0] > 1 or levels[-1].shape[1] > 1:
        fh, fw = levels[-1].shape[:2]
        coarse = np.empty(((fh + 1) // 2, (fw + 1) // 2, 5), np.float32)
        holes = _pull(levels[-1], coarse, inv_tol)
        levels.append(coarse)
        if holes == 0:
            break
    for k in range(len(levels) - 2, -1, -1):
        _push(levels[k + 1], levels[k], inv_tol)
    out = levels[0]
    return out[..., :3], out[..., 3]
