"""Scalar bilinear sampling of the packed source at a batch of points, across layers.

A point is an anchor sample (row of the (L * Hp) stacked padded rows, column) and an offset
(du, dv) in source pixels, |du|, |dv| < 1. It is sampled bilinearly from the four samples
around it that lie on the anchor's surface: the anchor's linked neighbours, or, where those
are missing, samples of another layer that continue the surface
(depthreel.render.source.linked). A point past the surface's edge gets only the corners on
the surface, so its coverage falls off over one source pixel.

The vectorised sampler in depthreel.render.splat does the bulk; this one serves the few
points it cannot (extra pixels of magnified samples, seams between layers). It takes a whole
batch per call: Numba reference-counts the arrays passed to a function on each call, which
would cost more than sampling one point. Computed indices are unsigned, which spares Numba's
negative-index handling.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

from depthreel.render.jit import JIT, QUAD
from depthreel.render.source import link_bit, linked

ONE = np.float32(1.0)


@njit(**JIT)
def sample_points(
    rows: np.ndarray,
    cols: np.ndarray,
    offsets: np.ndarray,
    n: int,
    depth: np.ndarray,
    color: np.ndarray,
    grad: np.ndarray,
    links: np.ndarray,
    flags: np.ndarray,
    hp: int,
    tol: float,
    out: np.ndarray,
) -> None:
    """Premultiplied (r, g, b, a) of points k < n into out[:, k].

    rows, cols: the anchors; offsets (n, 2): (du, dv). depth, links, flags (L * Hp, Wp),
    color (L * Hp, 4, Wp), grad (L * Hp, 2, Wp): the packed source with its layers stacked;
    hp rows per layer. A point a whole pixel or more from its anchor gets nothing.
    """
    n_layers = depth.shape[0] // hp
    for k in range(n):
        du = offsets[k, 0]
        dv = offsets[k, 1]
        out[0, k] = out[1, k] = out[2, k] = out[3, k] = 0.0
        if not (abs(du) < ONE and abs(dv) < ONE):
            continue
        row = rows[k]
        col = cols[k]
        fu = int(du + ONE) - 1  # floor, as |du| < 1
        fv = int(dv + ONE) - 1
        tx = du - np.float32(fu)
        ty = dv - np.float32(fv)
        r0 = uint64(row + fv)
        c0 = uint64(col + fu)
        w00 = (ONE - tx) * (ONE - ty)
        w01 = tx * (ONE - ty)
        w10 = (ONE - tx) * ty
        w11 = tx * ty
        if flags[r0, c0] & QUAD:  # one surface: plain bilinear
            r1 = r0 + uint64(1)
            c1 = c0 + uint64(1)
            for ch in range(4):
                out[ch, k] = (
                    w00 * color[r0, ch, c0]
                    + w01 * color[r0, ch, c1]
                    + w10 * color[r1, ch, c0]
                    + w11 * color[r1, ch, c1]
                )
            continue
        # An edge: each corner counts if it is the anchor, linked to it, or continues its
        # surface in another layer.
        at_r = uint64(row)
        at_c = uint64(col)
        bits = links[at_r, at_c]
        zw = depth[at_r, at_c]
        gu = grad[at_r, 0, at_c]
        gv = grad[at_r, 1, at_c]
        own = row // hp
        for corner in range(4):
            cu = fu + (corner & 1)
            cv = fv + (corner >> 1)
            wt = w00 if corner == 0 else (w01 if corner == 1 else (w10 if corner == 2 else w11))
            if wt <= 0.0:
                continue
            cr = uint64(row + cv)
            cc = uint64(col + cu)
            if not (cu == 0 and cv == 0) and not bits & (1 << link_bit(cu, cv)):
                found = False
                for layer in range(n_layers):
                    there = uint64(row + cv + (layer - own) * hp)
                    if layer != own and linked(zw, gu, gv, cu, cv, depth[there, cc], tol):
                        cr = there
                        found = True
                        break
                if not found:
                    continue
            for ch in range(4):
                out[ch, k] += wt * color[cr, ch, cc]
