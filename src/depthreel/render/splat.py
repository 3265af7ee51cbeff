"""Numba forward mapping with backward sampling: each source sample colours its own pixels.

A frame sweeps the source rows of the dense layers (depthreel.render.source), a run of
samples at a time: where the samples land and which pixels their footprints cover
(depthreel.render.forward), their surface's colour at the points those pixels see
(depthreel.render.sample), then claims on the pixels in a two-surface z-buffer
(depthreel.render.claim). The sparse layers (a layered depth image's extension) follow as
lists of samples, point by point, skipping the points a nearer surface covers whole already.

Footprints beyond the nearest pixel come from magnification (push-in: a sample's cell holds
several pixels; cells tile a smooth surface, so there are no cracks) and from surfaces'
edges. Kinds of them that are common in a run are sampled by the vectorised sampler, the
rest and samples on seams between layers by the scalar one.

Helpers take scalars and tuples only where they are called per sample: Numba reference-counts
array arguments on every call, which costs more than the work in these loops. Constants are
passed with their final type (np.int64(0), not 0) and both batch paths share dtypes: Numba
compiles another copy of a kernel for every literal or type it is first called with, which
only lengthens a fresh install's first run (by ~3 s here).
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

from depthreel.render.claim import claim
from depthreel.render.forward import (
    ACROSS,
    BUMPY,
    DIAGONAL,
    DOWN,
    FAINT,
    OWN,
    SEAM,
    WIDE,
    Camera,
    footprint_points,
    footprint_row,
    neighbour_row,
    pose_constants,
    project_points,
    project_row,
)
from depthreel.render.jit import EMPTY, FULL, JIT
from depthreel.render.sample import sample_points, sample_row

__all__ = ["EMPTY", "FULL", "JIT", "scatter"]

DENSE = 8  # a kind of other footprint pixels is sampled vectorised where 1 in DENSE has it
LANES = 16  # float32 lanes of the vectorised loops


@njit(**JIT, inline="always")
def _band(a: float, b: float, r: float, lo: int, hi: int) -> tuple[int, int]:
    """The integers k in [lo, hi] with |a + b k| < r (an empty range if lo > hi)."""
    if abs(b) < 1e-9:
        return (lo, hi) if abs(a) < r else (1, 0)
    k0 = (-r - a) / b
    k1 = (r - a) / b
    if k0 > k1:
        k0, k1 = k1, k0
    return max(lo, int(np.floor(k0)) + 1), min(hi, int(np.ceil(k1)) - 1)


@njit(**JIT, inline="always")
def _whole(u0: int, u1: int, lo: int, hi: int) -> tuple[int, int]:
    """[u0, u1) grown to a multiple of LANES samples within [lo, hi) where it fits."""
    pad = -(u1 - u0) % LANES
    grow = min(pad, hi - u1)
    return max(u0 - (pad - grow), lo), u1 + grow


@njit(**JIT)
def _collect(
    u0: int,
    u1: int,
    where: tuple[int, np.ndarray, np.ndarray],
    proj: tuple[np.ndarray, ...],
    links: np.ndarray,
    h: int,
    w: int,
    tol1: float,
    batch: tuple[np.ndarray, ...],
    done_kinds: int,
    frame: tuple[np.ndarray, ...],
    sparse: bool,
) -> tuple[int, int]:
    """Queue the points the vectorised sampler does not serve, from u0 on, into batch.

    Those are the other pixels of samples' footprints (see footprint_row) and every pixel of
    samples on a seam between layers (their nearest pixel is then skipped by _claim). where:
    the samples' place in the stacked source, (row, -, -) for a run of a row (column u) or
    (-1, rows, columns) for a list (sample u at rows[u], columns[u]). batch =
    (rows, cols, offsets (cap, 2), pix, z); done_kinds: the kinds of neighbours sampled
    already (neighbour_row). For a sparse layer, queues the nearest pixels too, and only the
    points that no nearer surface in frame (see _claim) covers whole already. Returns
    (points queued, the first u not done), stopping early when the batch is nearly full.
    """
    pix, _, oxs, oys, dus, dvs, inv, extras, zps, slopes, jns, yns = proj
    rows, cols, offsets, bpix, bz = batch
    _, cover, zbuf, _, _, _ = frame
    row, listed_rows, listed_cols = where
    cap = rows.shape[0]
    # Skip eight samples without pending extras at a time.
    words = extras.view(np.uint64)
    pending = np.uint64(~done_kinds & 0xFF) * np.uint64(0x0101010101010101)
    n = 0
    u = u0 - 1
    while u + 1 < u1:
        u += 1
        if not sparse and u & 7 == 0 and u + 8 <= u1 and words[u >> 3] & pending == 0:
            u += 7
            continue
        bits = extras[u] & ~done_kinds
        p = pix[u]
        if p == -1 or (bits == 0 and not sparse):
            continue
        if n + 128 > cap:
            return n, u
        du, dv = dus[u], dvs[u]
        if (sparse or bits & SEAM) and p >= 0:
            q = uint64(p)
            hidden = sparse and zbuf[q] < EMPTY and cover[q] >= FULL and zps[u] > zbuf[q] * tol1
            if not hidden:
                rows[n], cols[n] = (row, u) if row >= 0 else (listed_rows[u], listed_cols[u])
                bpix[n], bz[n] = p, zps[u]
                offsets[n, 0], offsets[n, 1] = du, dv
                n += 1
            pix[u] = -1
        if bits & ~SEAM == 0:
            continue
        i00, i01, i10, i11 = inv[0, u], inv[1, u], inv[2, u], inv[3, u]
        i, j = int(yns[u]), int(jns[u])  # the nearest pixel
        sx = -1 if oxs[u] > 0.0 else 1  # its neighbours towards the sample
        sy = -1 if oys[u] > 0.0 else 1
        if bits & WIDE:  # scan the footprint row by row
            radius = 1.0 if links[u] != 255 or bits & BUMPY else OWN
            det = i00 * i11 - i01 * i10
            reach = int(radius * (abs(i10) + abs(i00)) / abs(det)) + 1
            di_lo, di_hi = max(-reach, -i), min(reach, h - 1 - i)
        else:  # the neighbours towards the sample that footprint_row found
            di_lo, di_hi = (0, 0) if not bits & (DOWN | DIAGONAL) else (min(sy, 0), max(sy, 0))
        for di in range(di_lo, di_hi + 1):
            if bits & WIDE:
                # The columns where both |du + i00 dj + i01 di| and |dv + i10 dj + i11 di|
                # are below the radius.
                lo, hi = _band(du + i01 * di, i00, radius, -j, w - 1 - j)
                lo, hi = _band(dv + i11 * di, i10, radius, lo, hi)
            else:
                lo, hi = min(sx, 0), max(sx, 0)
            for dj in range(lo, hi + 1):
                if di == 0 and dj == 0:
                    continue
                kind = (ACROSS if di == 0 else (DOWN if dj == 0 else DIAGONAL)) if (
                    (di == 0 or di == sy) and (dj == 0 or dj == sx)
                ) else WIDE  # fmt: skip
                if not bits & kind:  # not in the footprint, or done
                    continue
                ti, tj = i + di, j + dj
                eu = du + i00 * dj + i01 * di
                ev = dv + i10 * dj + i11 * di
                # Where the sample itself weighs nothing, the pixel is left to the samples
                # that do (their claims are no less exact).
                weight = (1.0 - abs(eu)) * (1.0 - abs(ev))
                if not (0 <= ti < h and 0 <= tj < w) or abs(eu) >= 1.0 or weight < FAINT:
                    continue
                if n >= cap:
                    return n, u + 1
                zc = zps[u] + slopes[0, u] * (eu - du) + slopes[1, u] * (ev - dv)
                q = uint64(ti * w + tj)
                if sparse and zbuf[q] < EMPTY and cover[q] >= FULL and zc > zbuf[q] * tol1:
                    continue  # hidden
                rows[n], cols[n] = (row, u) if row >= 0 else (listed_rows[u], listed_cols[u])
                bpix[n], bz[n] = ti * w + tj, zc
                offsets[n, 0], offsets[n, 1] = eu, ev
                n += 1
    return n, u1


@njit(**JIT)
def _sampleclaim(
    batch: tuple[np.ndarray, ...],
    n: int,
    stacked: tuple[np.ndarray, ...],
    hp: int,
    tol: float,
    tol1: float,
    w: int,
    frame: tuple[np.ndarray, ...],
    sampled: np.ndarray,
) -> None:
    """Sample the n points queued in batch (scalar, across layers) and claim their pixels."""
    if n:
        depth, color, grad, links, flags = stacked
        sample_points(
            batch[0], batch[1], batch[2], n, depth, color, grad, links, flags, hp, tol, sampled
        )
        cap = batch[0].shape[0]
        pay = sampled.reshape(4 * cap)
        claim(batch[3], batch[4], pay, cap, np.int64(0), n, tol1, w, frame, False, None)


@njit(**JIT)
def scatter(
    source: tuple[np.ndarray, ...],
    cam: Camera,
    tol: float,
    h: int,
    w: int,
    frame: tuple[np.ndarray, ...],
    window: tuple[int, int, int, int],
) -> None:
    """Project, sample and claim every present sample of the packed source into frame.

    window = (v0, v1, u0, u1): the padded source rows v0 <= v < v1 and columns u0 <= u < u1
    that can reach the frame for this pose (depthreel.render.cull); the dense layers' other
    samples are skipped without being projected.

    source = (depth, color (flat), grad, links, flags, segments, starts, opaque, xn, yn,
    sparse, points, stacked): the fields of depthreel.render.source.Source with color
    flattened, and stacked (L * Hp, ...) views of depth, color (L * Hp, 4, Wp), grad, links
    and flags for the scalar sampler. frame: see _claim; its depth must be EMPTY everywhere.
    """
    depth, _, _, _, _, segments, starts, _, xn, _, sparse, points, _ = source
    _, hp, wp = depth.shape
    proj = (
        np.empty(wp, np.int32),  # pix
        np.empty(wp, np.float32),  # z
        np.empty(wp, np.float32),  # ox
        np.empty(wp, np.float32),  # oy
        np.empty(wp, np.float32),  # du
        np.empty(wp, np.float32),  # dv
        np.empty((4, wp), np.float32),  # inv
        np.empty((wp + 15) // 8 * 8, np.uint8),  # extras, in whole words for _collect
        np.empty(wp, np.float32),  # z at the point
        np.empty((2, wp), np.float32),  # its slopes
        np.empty(wp, np.float32),  # jn
        np.empty(wp, np.float32),  # yn
    )
    near = (
        np.empty(wp, np.int32),
        np.empty(wp, np.float32),
        np.empty(wp, np.float32),
        np.empty(wp, np.float32),
        np.empty(wp, np.int32),  # order
    )
    pay = np.empty(4 * wp, np.float32)
    cap = 4 * wp + 128  # > wp + 128: _collect stops when fewer than 128 places are left
    batch = (
        np.empty(cap, np.int64),
        np.empty(cap, np.int64),
        np.empty((cap, 2), np.float32),
        np.empty(cap, np.int32),
        np.empty(cap, np.float32),
    )
    sampled = np.empty((4, cap), np.float32)
    scratch = (proj, near, batch, pay, sampled)
    pc = pose_constants(cam, xn[1] - xn[0])
    xn32 = xn.astype(np.float32)
    v_lo, v_hi, u_lo, u_hi = window
    for v in range(max(1, v_lo), min(hp - 1, v_hi)):
        for segment in range(starts[v], starts[v + 1]):
            layer, u0, u1 = segments[segment, 0], segments[segment, 1], segments[segment, 2]
            u0, u1 = max(u0, u_lo), min(u1, u_hi)
            if not sparse[layer] and u0 < u1:
                _run(layer, v, u0, u1, source, cam, pc, xn32, tol, h, w, frame, scratch)
    # The sparse layers (an extension mostly hidden behind the photo's foreground) come
    # after, point by point, skipping what is covered already: in chunks of a row's length.
    for t0 in range(0, points[0].shape[0], wp):
        _listed(t0, min(t0 + wp, points[0].shape[0]), source, cam, pc, tol, h, w, frame, scratch)


@njit(**JIT, inline="always")
def _run(
    layer: int,
    v: int,
    u0: int,
    u1: int,
    source: tuple[np.ndarray, ...],
    cam: Camera,
    pc: tuple[np.float32, ...],
    xn32: np.ndarray,
    tol: float,
    h: int,
    w: int,
    frame: tuple[np.ndarray, ...],
    scratch: tuple[tuple[np.ndarray, ...], ...],
) -> None:
    """Project, sample and claim the samples u0 <= u < u1 of source row v of a dense layer."""
    depth, color, grad, links, flags, _, _, opaque, xn, yn, _, _, stacked = source
    proj, near, batch, pay, sampled = scratch
    pix, zps, dus, dvs = proj[0], proj[8], proj[4], proj[5]
    _, hp, wp = depth.shape
    tol1 = 1.0 + tol
    # Whole vectors: a short run would mostly go through the loops' scalar remainders (the
    # padding holds absent samples, which claim nothing).
    lo, hi = _whole(u0, u1, 1, wp - 1)
    project_row(cam, xn, yn[v], depth[layer, v], lo, hi, h, w, proj)
    while u0 < u1 and pix[u0] == -1:  # only what lands on (or near) the frame
        u0 += 1
    while u1 > u0 and pix[u1 - 1] == -1:
        u1 -= 1
    if u0 >= u1:
        return
    u0, u1 = _whole(u0, u1, lo, hi)
    lk = links[layer, v]
    extra, across, down, diagonal = footprint_row(
        pc, xn32, yn[v], depth[layer, v], grad[layer, v, 0], grad[layer, v, 1],
        grad[layer, v, 2], lk, flags[layer, v], u0, u1, proj,
    )  # fmt: skip
    row = layer * hp + v
    solid = opaque[layer, v]
    sample_row(color, row * 4 * wp, wp, lk, dus, dvs, u0, u1, solid, pay)
    claim(pix, zps, pay, wp, u0, u1, tol1, w, frame, True, None)
    if extra == 0:
        return
    # Magnification makes a kind of other footprint pixels common: sample those vectorised,
    # the rest point by point.
    dense = np.int64(0)
    for kind, count in ((ACROSS, across), (DOWN, down), (DIAGONAL, diagonal)):
        if count * DENSE > u1 - u0:
            dense |= kind
            n = neighbour_row(kind, u0, u1, h, w, proj, near)
            offsets = near[2], near[3]
            sample_row(color, row * 4 * wp, wp, lk, *offsets, u0, u1, solid, pay)
            claim(near[0], near[1], pay, wp, np.int64(0), n, tol1, w, frame, False, near[4])
    where = (np.int64(row), batch[0], batch[1])  # (the lists are unused for a row)
    u = u0
    while u < u1:
        n, u = _collect(u, u1, where, proj, lk, h, w, tol1, batch, dense, frame, False)
        _sampleclaim(batch, n, stacked, hp, tol, tol1, w, frame, sampled)


@njit(**JIT)
def _listed(
    t0: int,
    t1: int,
    source: tuple[np.ndarray, ...],
    cam: Camera,
    pc: tuple[np.float32, ...],
    tol: float,
    h: int,
    w: int,
    frame: tuple[np.ndarray, ...],
    scratch: tuple[tuple[np.ndarray, ...], ...],
) -> None:
    """Project, sample and claim the listed samples t0 <= t < t1 of the sparse layers.

    Every point goes through the scalar sampler, unless a nearer surface covers its pixel.
    """
    depth, _, _, _, _, _, _, _, _, _, _, points, stacked = source
    rows, cols, xn, yn, xn32, yn32, z, gu, gv, ge, links, flags = points
    proj, _, batch, _, sampled = scratch
    hp = depth.shape[1]
    tol1 = 1.0 + tol
    n = t1 - t0
    project_points(cam, xn[t0:t1], yn[t0:t1], z[t0:t1], n, h, w, proj)
    lk = links[t0:t1]
    footprint_points(
        pc, xn32[t0:t1], yn32[t0:t1], z[t0:t1], gu[t0:t1], gv[t0:t1], ge[t0:t1], lk,
        flags[t0:t1], n, proj,
    )  # fmt: skip
    where = (np.int64(-1), rows[t0:t1], cols[t0:t1])
    u = np.int64(0)
    while u < n:
        m, u = _collect(u, n, where, proj, lk, h, w, tol1, batch, np.int64(0), frame, True)
        _sampleclaim(batch, m, stacked, hp, tol, tol1, w, frame, sampled)
