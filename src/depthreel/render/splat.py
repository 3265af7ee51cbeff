"""Numba forward mapping with backward sampling: each source sample colours its own pixels.

A frame is one sweep over the source rows (depthreel.render.source), per layer:

1. `project_row` (vectorised): where each sample lands, the local inverse of the projection
   (its Jacobian, including the depth's slope along the surface) and so the exact offset, in
   source pixels, from the sample to the centre of its nearest target pixel.
2. `sample_row` (vectorised): the colour at that point, bilinear from the sample and those of
   its eight neighbours it links to (same surface); a point past the surface's edge gets only
   the corners on the surface, so coverage falls off over one source pixel (an anti-aliased
   silhouette, exact to the sub-pixel). Because the 3x3 neighbourhood of consecutive samples
   is contiguous in memory, this runs on whole vectors of samples.
3. `_claim` (scalar): a two-surface z-buffer whose first slot is the output frame itself. A
   claim within the depth tolerance of a slot's surface keeps the fuller of the two; a nearer
   surface that covers the pixel only partly pushes the old one to slot 2, a farther one takes
   slot 2 if slot 1 leaves room; surfaces behind both are dropped.

A magnified sample (push-in) also owns other pixels of its cell, the target pixels whose point
lies within half a source pixel of it; `project_row` finds them and they are sampled by the
scalar depthreel.render.sample.sample_points, as are samples on seams between layers. Cells
tile a smooth surface, so magnification leaves no cracks.

Helpers take scalars and tuples only where they are called per sample: Numba reference-counts
array arguments on every call, which costs more than the work in these loops. Loops over
computed ranges use unsigned indices, which spares Numba's negative-index handling.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

from depthreel.render.jit import EMPTY, FULL, JIT, XLINK
from depthreel.render.project import NEAR_Z
from depthreel.render.sample import sample_points

__all__ = ["EMPTY", "FULL", "JIT", "project_row", "sample_row", "scatter"]

OWN = 0.5 + 1e-3  # a target pixel is in a sample's cell if its point is this close (source px)
RADIUS = np.float32(OWN)
TINY = np.float32(1e-9)  # least |det J| (relative) of a sample not seen edge-on
NOWHERE = np.float32(2.0)  # an offset (source px) at which a sample has no weight
FAINT = 1e-3  # least bilinear weight of a sample at the point of a pixel of its footprint
# project_row's extras bits: the footprint holds the nearest pixel's neighbour towards the
# sample across, up or down, diagonally; or may reach farther (WIDE).
# SEAM: the sample lies on a seam between layers (XLINK) and is sampled across them.
ACROSS, DOWN, DIAGONAL, SEAM, WIDE = 1, 2, 4, 8, 16
MAX_EXTENT = np.float32(4.0)  # largest footprint half-size in pixels (beyond: sample dropped)
BORDER = 6  # samples whose nearest pixel lies this far off the frame may still reach it
ONE = np.float32(1.0)
ZERO = np.float32(0.0)

Camera = tuple[float, ...]  # depthreel.render.project.camera_params as a tuple (16 floats)


@njit(**JIT)
def project_row(
    cam: Camera,
    xn: np.ndarray,
    yv: float,
    zrow: np.ndarray,
    u0: int,
    u1: int,
    h: int,
    w: int,
    out: tuple[np.ndarray, ...],
) -> None:
    """Project samples u0 <= u < u1 of one source row (float64, for exact positions).

    out = (pix, z, ox, oy, ...): the nearest target pixel's flat index (-1 when the sample is
    absent or behind the camera; when only that pixel is off the (h, w) frame, -2 - its flat
    index in the frame grown by BORDER), the sample's depth along the new camera's axis and
    the offset (ox, oy) from the projected sample to that pixel, in pixels. Branch-free so
    that it vectorises.
    """
    pix, zs, oxs, oys = out[0], out[1], out[2], out[3]
    r00, r01, r02, r10, r11, r12, r20, r21, r22 = cam[:9]
    t0, t1, t2, f, ox, oy, _ = cam[9:16]
    bx = r01 * yv + r02
    by = r11 * yv + r12
    bz = r21 * yv + r22
    for u in range(uint64(u0), uint64(u1)):
        z = float(zrow[u])
        xu = xn[u]
        rx = r00 * xu + bx  # the sample's ray in the new camera's frame
        ry = r10 * xu + by
        rz = r20 * xu + bz
        pz = z * rz - t2
        iz = 1.0 / pz
        x = f * (z * rx - t0) * iz + ox
        y = f * (z * ry - t1) * iz + oy
        jn = np.floor(x + 0.5)  # the nearest pixel
        yn_ = np.floor(y + 0.5)
        oxs[u] = np.float32(jn - x)
        oys[u] = np.float32(yn_ - y)
        ok = (z > 0.0) & (pz > NEAR_Z)
        inside = (jn >= 0.0) & (yn_ >= 0.0) & (jn < w) & (yn_ < h)
        near = (jn >= -BORDER) & (yn_ >= -BORDER) & (jn < w + BORDER) & (yn_ < h + BORDER)
        off = -2 - (int(yn_ + BORDER) * (w + 2 * BORDER) + int(jn + BORDER))
        flat = int(yn_) * w + int(jn) if inside else (off if near else -1)
        pix[u] = np.int32(flat if ok else -1)
        zs[u] = np.float32(pz)


@njit(**JIT)
def footprint_row(
    cam: tuple[np.float32, ...],
    xn: np.ndarray,
    zrow: np.ndarray,
    gu_row: np.ndarray,
    gv_row: np.ndarray,
    links: np.ndarray,
    flags: np.ndarray,
    u0: int,
    u1: int,
    out: tuple[np.ndarray, ...],
) -> int:
    """The local inverse projection of samples u0 <= u < u1 (float32, after project_row).

    cam: row_camera of this row. out = (pix, z, ox, oy, du, dv, inv, extras, zp, slopes):
    fills the offset (du, dv) in source pixels from the sample to its nearest pixel's point,
    the depth zp there and its slopes (2, Wp) along the source axes, the inverse Jacobian inv
    (4, Wp) and extras: which neighbours of the nearest pixel lie in the bounding
    box of the sample's footprint (its cell, or for an edge sample, one with links (Wp,)
    missing, its bilinear support), see ACROSS, and SEAM. Samples seen edge-on or magnified
    beyond MAX_EXTENT get nothing: an offset of NOWHERE, no extras. Returns how many samples
    have extras. The Jacobian includes the depth's slope (gu_row, gv_row) along the surface,
    which stretches a slanted surface.
    """
    _, zs, oxs, oys, dus, dvs, inv, extras, zps, slopes = out
    rz0, rz1, a00, b00, a01, c01, b01, a10, b10, a11, c11, b11, p0, p1, q0, q1 = cam[:16]
    kf, f, r20d, r21d = cam[16], cam[17], cam[18], cam[19]
    count = 0
    for u in range(uint64(u0), uint64(u1)):
        z = zrow[u]
        xu = xn[u]
        pz = zs[u]
        # The Jacobian of the projection is J = M / pz**2, M = kf z E + f (P, Q) x grad(z);
        # E's entries are affine in z, with per-row coefficients (see row_camera).
        s0 = kf * z
        fp = f * (p0 + p1 * xu)
        fq = f * (q0 + q1 * xu)
        m00 = s0 * (z * a00 + b00) + gu_row[u] * fp
        m01 = s0 * (z * (a01 + c01 * xu) + b01) + gv_row[u] * fp
        m10 = s0 * (z * a10 + b10) + gu_row[u] * fq
        m11 = s0 * (z * (a11 + c11 * xu) + b11) + gv_row[u] * fq
        det = m00 * m11 - m01 * m10
        k = pz * pz / det  # J^-1 = adj(M) pz**2 / det(M)
        i00 = m11 * k
        i01 = -m01 * k
        i10 = -m10 * k
        i11 = m00 * k
        o_x = oxs[u]
        o_y = oys[u]
        # The footprint: an edge sample's bilinear support, so that a silhouette fades out on
        # both sides, any other sample's cell. Its bounding box in pixels (half sizes hx, hy)
        # decides which neighbours of the nearest pixel may lie in it; those towards the
        # sample lie 1 - |offset| away.
        reach = ONE if links[u] != 255 else RADIUS
        ipz2 = ONE / (pz * pz)
        hx = reach * (abs(m00) + abs(m01)) * ipz2
        hy = reach * (abs(m10) + abs(m11)) * ipz2
        near_x = ONE - abs(o_x) < hx
        near_y = ONE - abs(o_y) < hy
        bits = (
            (ACROSS if near_x else 0)
            | (DOWN if near_y else 0)
            | (DIAGONAL if near_x & near_y else 0)
            | (WIDE if (hx >= ONE) | (hy >= ONE) else 0)
            | (SEAM if flags[u] & XLINK else 0)
        )
        good = (abs(det) > TINY * pz * pz * pz * pz) & (hx < MAX_EXTENT) & (hy < MAX_EXTENT)
        # A dropped sample samples nothing (an offset of a whole pixel), claims nothing more.
        du = i00 * o_x + i01 * o_y
        dv = i10 * o_x + i11 * o_y
        dus[u] = du if good else NOWHERE
        dvs[u] = dv
        # The depth at the pixel's point: pz + its slope along the surface times (du, dv).
        rz = rz0 + rz1 * xu
        zu = gu_row[u] * rz + z * r20d
        zv = gv_row[u] * rz + z * r21d
        zps[u] = pz + zu * du + zv * dv
        slopes[0, u] = zu
        slopes[1, u] = zv
        inv[0, u] = i00
        inv[1, u] = i01
        inv[2, u] = i10
        inv[3, u] = i11
        extras[u] = bits if good else 0
        count += 1 if (bits != 0) & good else 0
    return count


@njit(**JIT)
def row_camera(cam: Camera, yv: float, step: float) -> tuple[np.float32, ...]:
    """The per-row constants of footprint_row for source row yv (normalised), as float32.

    step is the normalised size of a source pixel.
    With rx, ry, rz the sample's ray in the new camera and (cx, cy, pz) = z r - t the point,
    the Jacobian's numerator M has entries s (pz r_ij - c_i r_2j) + f g_j (t_i rz - t2 r_i)
    (s = kf z, i the image axis, j the source axis), and pz r_ij - c_i r_2j = z e_ij - t2 r_ij
    + t_i r_2j where e_ij depends on yv for j = 0 and is affine in xn for j = 1.
    """
    r00, r01, r02, r10, r11, r12, r20, r21, r22 = cam[:9]
    t0, t1, t2, f, _, _, kf = cam[9:16]
    c = (
        r21 * yv + r22,  # rz = rz0 + rz1 xn
        r20,
        yv * (r00 * r21 - r20 * r01) + r00 * r22 - r20 * r02,  # e00
        -t2 * r00 + t0 * r20,
        r22 * r01 - r02 * r21,  # e01 = a + c xn
        r20 * r01 - r00 * r21,
        -t2 * r01 + t0 * r21,
        yv * (r10 * r21 - r20 * r11) + r10 * r22 - r20 * r12,  # e10
        -t2 * r10 + t1 * r20,
        r22 * r11 - r12 * r21,  # e11 = a + c xn
        r20 * r11 - r10 * r21,
        -t2 * r11 + t1 * r21,
        t0 * (r21 * yv + r22) - t2 * (r01 * yv + r02),  # P = t0 rz - t2 rx = p0 + p1 xn
        t0 * r20 - t2 * r00,
        t1 * (r21 * yv + r22) - t2 * (r11 * yv + r12),  # Q = t1 rz - t2 ry = q0 + q1 xn
        t1 * r20 - t2 * r10,
        kf,
        f,
        r20 * step,  # d rz / du
        r21 * step,
    )
    return (
        np.float32(c[0]), np.float32(c[1]), np.float32(c[2]), np.float32(c[3]),
        np.float32(c[4]), np.float32(c[5]), np.float32(c[6]), np.float32(c[7]),
        np.float32(c[8]), np.float32(c[9]), np.float32(c[10]), np.float32(c[11]),
        np.float32(c[12]), np.float32(c[13]), np.float32(c[14]), np.float32(c[15]),
        np.float32(c[16]), np.float32(c[17]), np.float32(c[18]), np.float32(c[19]),
    )  # fmt: skip


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
    pay: np.ndarray,
) -> None:
    """Premultiplied (r, g, b, a) at each sample + (du, dv) into pay (4 * Wp,), channel-major.

    color: the planar source flattened; row: the flat offset of this row's first channel.
    Each of the nine taps around the sample counts with its tent weight if the sample links
    to it (links (Wp,) bits, see depthreel.render.source).
    """
    up = row - 4 * wp
    dn = row + 4 * wp
    for u in range(uint64(u0), uint64(u1)):
        du = dus[u]
        dv = dvs[u]
        lk = np.int32(links[u])
        hl = max(-du, ZERO)
        hc = ONE - abs(du)
        hr = max(du, ZERO)
        vu = max(-dv, ZERO)
        vc = ONE - abs(dv)
        vd = max(dv, ZERO)
        w0 = vu * hl * np.float32(lk & 1)
        w1 = vu * hc * np.float32((lk >> 1) & 1)
        w2 = vu * hr * np.float32((lk >> 2) & 1)
        w3 = vc * hl * np.float32((lk >> 3) & 1)
        w4 = vc * hc
        w5 = vc * hr * np.float32((lk >> 4) & 1)
        w6 = vd * hl * np.float32((lk >> 5) & 1)
        w7 = vd * hc * np.float32((lk >> 6) & 1)
        w8 = vd * hr * np.float32((lk >> 7) & 1)
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
def _claim(
    pix: np.ndarray,
    zs: np.ndarray,
    pay: np.ndarray,
    stride: int,
    start: int,
    stop: int,
    tol1: float,
    w: int,
    frame: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    nearest: bool,
) -> None:
    """Claims t in [start, stop): pixel pix[t] (skipped if < 0), depth zs[t], premultiplied
    colour pay[c * stride + t], into frame = (rgb (N, 3), cover (N,), zbuf (N,), back (N, 5),
    back_rows (H,)): slot 1 is (rgb, cover, zbuf), slot 2 back = (z, r, g, b, a), EMPTY depth
    when unused; back_rows marks the rows that use slot 2. See the module docstring. Claims of
    samples' nearest pixels win ties of coverage on one surface: their point lies closest.
    """
    tie = 1e-6 if nearest else -1e-6
    rgb, cover, zbuf, back, back_rows = frame
    s1 = uint64(stride)
    s2 = uint64(2 * stride)
    s3 = uint64(3 * stride)
    for t in range(uint64(start), uint64(stop)):
        p = pix[t]
        if p < 0:
            continue
        q = uint64(p)
        z = np.float32(zs[t])
        a = pay[s3 + t]
        if a < 1e-6:  # covers nothing
            continue
        zt = zbuf[q]
        a1 = cover[q]
        if zt < EMPTY:
            if z <= zt * tol1 and z * tol1 >= zt:  # slot 1's surface: keep the fuller
                if a + tie <= a1:
                    continue
            elif z < zt:  # a nearer surface: the old one shows through it, or is hidden
                if a < FULL:
                    # Slot 2 keeps the fuller of what was in slot 1 and slot 2.
                    if back[q, 0] >= EMPTY or a1 >= back[q, 4]:
                        back[q, 0] = zt
                        back[q, 1] = rgb[q, 0]
                        back[q, 2] = rgb[q, 1]
                        back[q, 3] = rgb[q, 2]
                        back[q, 4] = a1
                        back_rows[p // w] = True
                else:
                    back[q, 0] = EMPTY
            else:  # a farther surface: slot 2, if slot 1 leaves room and it is fuller (nearer)
                zb = back[q, 0]
                if a1 >= FULL:
                    continue
                if zb < EMPTY:
                    ab = back[q, 4]
                    if z <= zb * tol1 and z * tol1 >= zb:  # slot 2's surface
                        if a + tie <= ab:
                            continue
                    elif not (a > ab or (a >= ab and z < zb)):
                        continue
                back[q, 0] = z
                back[q, 1] = pay[t]
                back[q, 2] = pay[s1 + t]
                back[q, 3] = pay[s2 + t]
                back[q, 4] = a
                back_rows[p // w] = True
                continue
        zbuf[q] = z
        rgb[q, 0] = pay[t]
        rgb[q, 1] = pay[s1 + t]
        rgb[q, 2] = pay[s2 + t]
        cover[q] = a


@njit(**JIT)
def _collect(
    u0: int,
    u1: int,
    row: int,
    proj: tuple[np.ndarray, ...],
    links: np.ndarray,
    h: int,
    w: int,
    batch: tuple[np.ndarray, ...],
) -> tuple[int, int]:
    """Queue the points the vectorised sampler does not serve, from u0 on, into batch.

    Those are the other pixels of samples' footprints (see project_row) and every pixel of
    samples on a seam between layers (their nearest pixel is then skipped by _claim). batch =
    (rows, cols, offsets (cap, 2), pix, z). Returns (points queued, the first u not done),
    stopping early when the batch is nearly full.
    """
    pix, _, _, _, dus, dvs, inv, extras, zps, slopes = proj
    rows, cols, offsets, bpix, bz = batch
    cap = rows.shape[0]
    words = extras.view(np.uint64)  # skip eight samples without extras at a time
    n = 0
    u = u0 - 1
    while u + 1 < u1:
        u += 1
        if u & 7 == 0 and u + 8 <= u1 and words[u >> 3] == 0:
            u += 7
            continue
        bits = extras[u]
        p = pix[u]
        if p == -1 or bits == 0:
            continue
        if n + 128 > cap:
            return n, u
        du, dv = dus[u], dvs[u]
        if bits & SEAM and p >= 0:
            rows[n], cols[n], bpix[n], bz[n] = row, u, p, zps[u]
            offsets[n, 0], offsets[n, 1] = du, dv
            n += 1
            pix[u] = -1
        if bits & ~SEAM == 0:
            continue
        i00, i01, i10, i11 = inv[0, u], inv[1, u], inv[2, u], inv[3, u]
        if p >= 0:
            i, j = divmod(p, w)
        else:  # the nearest pixel is off the frame
            i, j = divmod(-2 - p, w + 2 * BORDER)
            i, j = i - BORDER, j - BORDER
        det = i00 * i11 - i01 * i10
        # The offset (ox, oy) from the sample to its nearest pixel, in pixels: J (du, dv).
        ox = (i11 * du - i01 * dv) / det
        oy = (i00 * dv - i10 * du) / det
        sx = -1 if ox > 0.0 else 1  # towards the sample
        sy = -1 if oy > 0.0 else 1
        reach = 1
        if bits & WIDE:
            radius = 1.0 if links[u] != 255 else OWN
            extent = max(abs(i11) + abs(i01), abs(i10) + abs(i00)) / abs(det)
            reach = int(radius * extent) + 1
        for di in range(-reach, reach + 1):
            for dj in range(-reach, reach + 1):
                if di == 0 and dj == 0:
                    continue
                if not bits & WIDE:
                    if di == sy and dj == 0:
                        want = bits & DOWN
                    elif di == 0 and dj == sx:
                        want = bits & ACROSS
                    elif di == sy and dj == sx:
                        want = bits & DIAGONAL
                    else:
                        want = 0
                    if not want:
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
                rows[n], cols[n], bpix[n], bz[n] = row, u, ti * w + tj, zc
                offsets[n, 0], offsets[n, 1] = eu, ev
                n += 1
    return n, u1


@njit(**JIT)
def scatter(
    source: tuple[np.ndarray, ...],
    cam: Camera,
    tol: float,
    h: int,
    w: int,
    frame: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """Project, sample and claim every present sample of the packed source into frame.

    source = (depth, color (flat), grad, links, flags, spans, xn, yn, stacked): the fields of
    depthreel.render.source.Source with color flattened, and stacked (L * Hp, ...) views of
    depth, color (L * Hp, 4, Wp), grad, links and flags for the scalar sampler. frame: see
    _claim; its depth must be EMPTY everywhere.
    """
    depth, color, grad, links, flags, spans, xn, yn, stacked = source
    n_layers, hp, wp = depth.shape
    tol1 = 1.0 + tol
    proj = (
        np.empty(wp, np.int32),
        np.empty(wp, np.float32),
        np.empty(wp, np.float32),
        np.empty(wp, np.float32),
        np.empty(wp, np.float32),
        np.empty(wp, np.float32),
        np.empty((4, wp), np.float32),
        np.empty((wp + 15) // 8 * 8, np.uint8),  # whole words for _collect
        np.empty(wp, np.float32),
        np.empty((2, wp), np.float32),
    )
    pix, zps, dus, dvs = proj[0], proj[8], proj[4], proj[5]
    step = xn[1] - xn[0]
    xn32 = xn.astype(np.float32)
    pay = np.empty(4 * wp, np.float32)
    cap = 4 * wp
    batch = (
        np.empty(cap, np.int64),
        np.empty(cap, np.int64),
        np.empty((cap, 2), np.float32),
        np.empty(cap, np.int64),
        np.empty(cap, np.float64),
    )
    sampled = np.empty((4, cap), np.float32)
    s_depth, s_color, s_grad, s_links, s_flags = stacked
    for v in range(1, hp - 1):
        row_cam = row_camera(cam, yn[v], step)
        for layer in range(n_layers):
            u0 = spans[layer, v, 0]
            u1 = spans[layer, v, 1]
            if u0 >= u1:
                continue
            project_row(cam, xn, yn[v], depth[layer, v], u0, u1, h, w, proj)
            while u0 < u1 and pix[u0] == -1:  # only what lands on (or near) the frame
                u0 += 1
            while u1 > u0 and pix[u1 - 1] == -1:
                u1 -= 1
            if u0 >= u1:
                continue
            extra = footprint_row(
                row_cam, xn32, depth[layer, v], grad[layer, v, 0], grad[layer, v, 1],
                links[layer, v], flags[layer, v], u0, u1, proj,
            )  # fmt: skip
            row = layer * hp + v
            sample_row(color, row * 4 * wp, wp, links[layer, v], dus, dvs, u0, u1, pay)
            if extra == 0:
                _claim(pix, zps, pay, wp, u0, u1, tol1, w, frame, True)
                continue
            u = u0
            while u < u1:
                n, done = _collect(u, u1, row, proj, links[layer, v], h, w, batch)
                _claim(pix, zps, pay, wp, u, done, tol1, w, frame, True)
                sample_points(
                    batch[0], batch[1], batch[2], n, s_depth, s_color, s_grad, s_links,
                    s_flags, hp, tol, sampled,
                )  # fmt: skip
                _claim(
                    batch[3], batch[4], sampled.reshape(4 * cap), cap, 0, n, tol1, w, frame, False
                )
                u = done
