"""Bilinear sampling of surfaces of the packed source: a row at a time, or a batch of points.

`sample_row` (vectorised) samples each sample's surface at an offset from it, from the
sample and those of its eight neighbours it links to (same surface): a point past the
surface's edge gets only the corners on the surface, so coverage falls off over one source
pixel (an anti-aliased silhouette, exact to the sub-pixel). The 3x3 neighbourhoods of
consecutive samples are contiguous in the planar source, so this runs on whole vectors.

`sample_points` (scalar) samples a batch of points anywhere, across layers:

a point is an anchor sample (row of the (L * Hp) stacked padded rows, column) and an offset
(du, dv) in source pixels, |du|, |dv| < 1, sampled from the four samples around it that lie
on the anchor's surface: the anchor's linked neighbours, or, where those are missing,
samples of another layer that continue the surface (depthreel.render.source.linked). It
serves the few points the vectorised sampler cannot (seams between layers, sparse extra
pixels of footprints) and takes a whole batch per call: Numba reference-counts the arrays
passed to a function on each call, which would cost more than sampling one point. Computed
indices are unsigned, which spares Numba's negative-index handling.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

from depthreel.render.jit import JIT, QUAD
from depthreel.render.source import link_bit, linked

ONE = np.float32(1.0)
ZERO = np.float32(0.0)


@njit(**JIT, inline="always")
def _tent(du: np.float32, dv: np.float32, lk: int) -> tuple[np.float32, ...]:
    """Weights of the 3x3 taps around a sample for a point (du, dv) from it.

    Bilinear (tent) weights max(0, 1 - |d - k|) for the tap at offset k, so all zero when the
    point lies a pixel or more away; zero too for the taps the sample does not link to (lk
    bits, see depthreel.render.source.link_bit; the centre always counts).
    """
    hl = max(ONE - abs(du + ONE), ZERO)
    hc = max(ONE - abs(du), ZERO)
    hr = max(ONE - abs(du - ONE), ZERO)
    vu = max(ONE - abs(dv + ONE), ZERO)
    vc = max(ONE - abs(dv), ZERO)
    vd = max(ONE - abs(dv - ONE), ZERO)
    return (
        vu * hl * np.float32(lk & 1),
        vu * hc * np.float32((lk >> 1) & 1),
        vu * hr * np.float32((lk >> 2) & 1),
        vc * hl * np.float32((lk >> 3) & 1),
        vc * hc,
        vc * hr * np.float32((lk >> 4) & 1),
        vd * hl * np.float32((lk >> 5) & 1),
        vd * hc * np.float32((lk >> 6) & 1),
        vd * hr * np.float32((lk >> 7) & 1),
    )


@njit(**JIT)
def sample_row(
    color: np.ndarray,
    row: int,
    wp: int,
    links: np.ndarray,
    dus: np.ndarray,
    dvs: np.ndarray,
    u0: int,
    u1: int,
    opaque: bool,
    pay: np.ndarray,
) -> None:
    """Premultiplied (r, g, b, a) at each sample + (du, dv) into pay (4 * Wp,), channel-major.

    color: the planar source flattened; row: the flat offset of this row's first channel.
    Each of the nine taps around the sample counts with its tent weight if the sample links
    to it (links (Wp,) bits, see depthreel.render.source). In an opaque row (all alpha 1 or
    absent), a is the sum of the weights, which spares reading the alpha channel.
    """
    up = row - 4 * wp
    dn = row + 4 * wp
    if opaque:
        for u in range(uint64(u0), uint64(u1)):
            w0, w1, w2, w3, w4, w5, w6, w7, w8 = _tent(dus[u], dvs[u], np.int32(links[u]))
            for c in range(3):
                a = uint64(up + c * wp) + u
                b = uint64(row + c * wp) + u
                d = uint64(dn + c * wp) + u
                pay[uint64(c * wp) + u] = (
                    w0 * color[a - uint64(1)]
                    + w1 * color[a]
                    + w2 * color[a + uint64(1)]
                    + w3 * color[b - uint64(1)]
                    + w4 * color[b]
                    + w5 * color[b + uint64(1)]
                    + w6 * color[d - uint64(1)]
                    + w7 * color[d]
                    + w8 * color[d + uint64(1)]
                )
            pay[uint64(3 * wp) + u] = w0 + w1 + w2 + w3 + w4 + w5 + w6 + w7 + w8
        return
    for u in range(uint64(u0), uint64(u1)):
        w0, w1, w2, w3, w4, w5, w6, w7, w8 = _tent(dus[u], dvs[u], np.int32(links[u]))
        for c in range(4):
            a = uint64(up + c * wp) + u
            b = uint64(row + c * wp) + u
            d = uint64(dn + c * wp) + u
            pay[uint64(c * wp) + u] = (
                w0 * color[a - uint64(1)]
                + w1 * color[a]
                + w2 * color[a + uint64(1)]
                + w3 * color[b - uint64(1)]
                + w4 * color[b]
                + w5 * color[b + uint64(1)]
                + w6 * color[d - uint64(1)]
                + w7 * color[d]
                + w8 * color[d + uint64(1)]
            )


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
    color (L * Hp, 4, Wp), grad (L * Hp, 3, Wp): the packed source with its layers stacked;
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
