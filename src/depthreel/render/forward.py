"""Where source samples land: the projection and each sample's footprint, vectorised.

For each sample, in float64 for exact positions, its nearest target pixel and the offset to
it (`_nearest`); then in float32 (16 lanes) the local inverse of the projection there (its
Jacobian includes the depth's slope along the surface, which stretches a slanted surface),
so the offset in source pixels from the sample to that pixel's point, the depth at that
point, and which neighbouring pixels the sample's footprint also covers: its cell (the
points within half a source pixel), or for a sample on a surface's edge its whole bilinear
support, so that a silhouette fades out on both sides of its motion (`_footprint`).

`project_row` and `footprint_row` apply them to a run of samples of one source row,
`project_points` and `footprint_points` to a list of samples anywhere (a sparse layer's).
The loops are branch-free over unsigned indices so that they vectorise (Numba handles
negative indices on every access of a signed one).
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

from depthreel.render.jit import JIT, XLINK
from depthreel.render.project import NEAR_Z

OWN = 0.5 + 1e-3  # a target pixel is in a sample's cell if its point is this close (source px)
RADIUS = np.float32(OWN)
TINY = np.float32(1e-9)  # least |det J| (relative) of a sample not seen edge-on
NOWHERE = np.float32(2.0)  # an offset (source px) at which a sample has no weight
# footprint_row's extras bits: the footprint holds the nearest pixel's neighbour towards the
# sample across, up or down, diagonally; or reaches past them (WIDE). SEAM: the sample lies
# on a seam between layers (XLINK) and is sampled across them. BUMPY (only with WIDE): the
# sample's slopes spread (surface_spread), so its cell reaches past half a source pixel.
ACROSS, DOWN, DIAGONAL, SEAM, WIDE, BUMPY = 1, 2, 4, 8, 16, 32
MAX_EXTENT = np.float32(4.0)  # largest footprint half-size in pixels (beyond: sample dropped)
BORDER = 6  # samples whose nearest pixel lies this far off the frame may still reach it
ONE = np.float32(1.0)
ZERO = np.float32(0.0)
FAINT = np.float32(1e-3)  # least bilinear weight of a sample at a pixel of its footprint
EDGE_FAR = np.float32(1.1)  # an edge sample's footprint only counts a pixel beyond its nearest
# pixel's neighbour where it weighs more than ~1/10 there

Camera = tuple[float, ...]  # depthreel.render.project.camera_params as a tuple (16 floats)


@njit(**JIT, inline="always")
def _nearest(
    cam: Camera, xu: float, yv: float, z: float, h: int, w: int
) -> tuple[np.int32, np.float32, np.float32, np.float32, np.float32, np.float32]:
    """(pixel, depth, ox, oy, column, row) of a sample at normalised (xu, yv), depth z.

    The nearest target pixel's flat index (-1 when the sample is absent or behind the
    camera; when only that pixel is off the (h, w) frame, -2 - its flat index in the frame
    grown by BORDER), the sample's depth along the new camera's axis, the offset (ox, oy)
    from the projected sample to that pixel and the pixel's column and row, in pixels.
    """
    r00, r01, r02, r10, r11, r12, r20, r21, r22 = cam[:9]
    t0, t1, t2, f, ox, oy, _ = cam[9:16]
    rx = r00 * xu + r01 * yv + r02  # the sample's ray in the new camera's frame
    ry = r10 * xu + r11 * yv + r12
    rz = r20 * xu + r21 * yv + r22
    pz = z * rz - t2
    iz = 1.0 / pz
    x = f * (z * rx - t0) * iz + ox
    y = f * (z * ry - t1) * iz + oy
    jn = np.floor(x + 0.5)
    yn = np.floor(y + 0.5)
    ok = (z > 0.0) & (pz > NEAR_Z)
    inside = (jn >= 0.0) & (yn >= 0.0) & (jn < w) & (yn < h)
    near = (jn >= -BORDER) & (yn >= -BORDER) & (jn < w + BORDER) & (yn < h + BORDER)
    off = -2 - (int(yn + BORDER) * (w + 2 * BORDER) + int(jn + BORDER))
    flat = int(yn) * w + int(jn) if inside else (off if near else -1)
    return (
        np.int32(flat if ok else -1),
        np.float32(pz),
        np.float32(jn - x),
        np.float32(yn - y),
        np.float32(jn),
        np.float32(yn),
    )


@njit(**JIT)
def pose_constants(cam: Camera, step: float) -> tuple[np.float32, ...]:
    """The constants of _footprint for a camera, as float32; step: a source pixel, normalised.

    With r the sample's ray in the new camera and (cx, cy, pz) = z r - t the point, the
    Jacobian's numerator M has entries s (pz r_ij - c_i r_2j) + f g_j (t_i rz - t2 r_i) (s =
    kf z, i the image axis, j the source axis, g the depth's slope), and pz r_ij - c_i r_2j =
    z e_ij - t2 r_ij + t_i r_2j where e_i0 is affine in yv and e_i1 in xn.
    """
    r00, r01, r02, r10, r11, r12, r20, r21, r22 = cam[:9]
    t0, t1, t2, f, _, _, kf = cam[9:16]
    c = (
        r21, r22, r20,  # rz = r20 xn + r21 yv + r22
        r00 * r21 - r20 * r01, r00 * r22 - r20 * r02, -t2 * r00 + t0 * r20,  # e00, its offset
        r22 * r01 - r02 * r21, r20 * r01 - r00 * r21, -t2 * r01 + t0 * r21,  # e01 (in xn)
        r10 * r21 - r20 * r11, r10 * r22 - r20 * r12, -t2 * r10 + t1 * r20,  # e10
        r22 * r11 - r12 * r21, r20 * r11 - r10 * r21, -t2 * r11 + t1 * r21,  # e11 (in xn)
        t0, t1, t2, r00, r01, r02, r10, r11, r12,
        kf, f, r20 * step, r21 * step,  # the last two: d rz / du, d rz / dv
    )  # fmt: skip
    return (
        np.float32(c[0]), np.float32(c[1]), np.float32(c[2]), np.float32(c[3]),
        np.float32(c[4]), np.float32(c[5]), np.float32(c[6]), np.float32(c[7]),
        np.float32(c[8]), np.float32(c[9]), np.float32(c[10]), np.float32(c[11]),
        np.float32(c[12]), np.float32(c[13]), np.float32(c[14]), np.float32(c[15]),
        np.float32(c[16]), np.float32(c[17]), np.float32(c[18]), np.float32(c[19]),
        np.float32(c[20]), np.float32(c[21]), np.float32(c[22]), np.float32(c[23]),
        np.float32(c[24]), np.float32(c[25]), np.float32(c[26]), np.float32(c[27]),
    )  # fmt: skip


@njit(**JIT, inline="always")
def _row_constants(pc: tuple[np.float32, ...], yv: np.float32) -> tuple[np.float32, ...]:
    """pose_constants resolved for source row yv: what _footprint needs, affine in xn."""
    rz1, rz2, rz0 = pc[0], pc[1], pc[2]
    t0, t1, t2, r00, r01, r02, r10, r11, r12 = pc[15:24]
    rz_c = rz1 * yv + rz2  # rz = rz0 xn + rz_c
    return (
        rz0, rz_c,
        pc[3] * yv + pc[4], pc[5], pc[6], pc[7], pc[8],  # e00, its offset; e01 = a + d xn, c
        pc[9] * yv + pc[10], pc[11], pc[12], pc[13], pc[14],  # e10, ...; e11
        t0 * rz0 - t2 * r00, t0 * rz_c - t2 * (r01 * yv + r02),  # P = t0 rz - t2 rx
        t1 * rz0 - t2 * r10, t1 * rz_c - t2 * (r11 * yv + r12),  # Q = t1 rz - t2 ry
        pc[24], pc[25], pc[26], pc[27],
    )  # fmt: skip


@njit(**JIT, inline="always")
def _footprint(
    rc: tuple[np.float32, ...],
    xu: np.float32,
    z: np.float32,
    pz: np.float32,
    gu: np.float32,
    gv: np.float32,
    ge: np.float32,
    o_x: np.float32,
    o_y: np.float32,
    edge: bool,
    seam: bool,
) -> tuple[np.float32, ...]:
    """(du, dv, zp, zu, zv, i00, i01, i10, i11, bits) of a sample (see footprint_row).

    rc: _row_constants of its row; xu its normalised column, z its depth, (gu, gv) the
    depth's slope along its surface and ge their spread, pz its depth in the new camera and
    (o_x, o_y) the offset from it to its nearest pixel (_nearest); edge: it misses a link.
    """
    rz0, rz_c, e00, c00, a01, d01, c01, e10, c10, a11, d11, c11 = rc[:12]
    p_x, p_c, q_x, q_c, kf, f, r20d, r21d = rc[12:20]
    rz = rz0 * xu + rz_c
    # The Jacobian of the projection is J = M / pz**2, M = kf z E + f (P, Q) x grad(z).
    s0 = kf * z
    fp = f * (p_x * xu + p_c)
    fq = f * (q_x * xu + q_c)
    m00 = s0 * (z * e00 + c00) + gu * fp
    m01 = s0 * (z * (a01 + d01 * xu) + c01) + gv * fp
    m10 = s0 * (z * e10 + c10) + gu * fq
    m11 = s0 * (z * (a11 + d11 * xu) + c11) + gv * fq
    det = m00 * m11 - m01 * m10
    k = pz * pz / det  # J^-1 = adj(M) pz**2 / det(M)
    i00 = m11 * k
    i01 = -m01 * k
    i10 = -m10 * k
    i11 = m00 * k
    # The footprint: an edge sample's bilinear support, so that a silhouette fades out on
    # both sides, any other sample's cell. Its bounding box in pixels (half sizes hx, hy)
    # decides which neighbours of the nearest pixel may lie in it: those towards the sample
    # lie 1 - |offset| away, those beyond 1 + |offset| (an edge sample's only count where it
    # weighs enough). The slopes' spread grows the box to hold the cell of either one-sided
    # slope: M's columns move by f (P, Q) times the slope's change.
    reach = ONE if edge else RADIUS
    far = EDGE_FAR if edge else ONE
    ipz2 = ONE / (pz * pz)
    hx = reach * (abs(m00) + abs(m01) + abs(fp) * ge) * ipz2
    hy = reach * (abs(m10) + abs(m11) + abs(fq) * ge) * ipz2
    wide = (hx > far * (ONE + abs(o_x))) | (hy > far * (ONE + abs(o_y)))
    near_x = ONE - abs(o_x) < hx
    near_y = ONE - abs(o_y) < hy
    bits = (
        (ACROSS if near_x else 0)
        | (DOWN if near_y else 0)
        | (DIAGONAL if near_x & near_y else 0)
        | (WIDE if wide else 0)
        | (BUMPY if wide & (ge > ZERO) else 0)
        | (SEAM if seam else 0)
    )
    good = (abs(det) > TINY * pz * pz * pz * pz) & (hx < MAX_EXTENT) & (hy < MAX_EXTENT)
    du = i00 * o_x + i01 * o_y
    dv = i10 * o_x + i11 * o_y
    # The depth at the pixel's point: pz + its slope along the surface times (du, dv).
    zu = gu * rz + z * r20d
    zv = gv * rz + z * r21d
    zp = pz + zu * du + zv * dv
    # A dropped sample samples nothing (an offset of a whole pixel), claims nothing more.
    return (
        du if good else NOWHERE, dv, zp, zu, zv, i00, i01, i10, i11,
        np.float32(bits if good else 0),
    )  # fmt: skip


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
    """_nearest for samples u0 <= u < u1 of a source row (normalised row yv, depths zrow).

    out = (pix, z, ox, oy, ..., jn, yn): its results, per sample.
    """
    pix, zs, oxs, oys, jns, yns = out[0], out[1], out[2], out[3], out[10], out[11]
    for u in range(uint64(u0), uint64(u1)):
        pix[u], zs[u], oxs[u], oys[u], jns[u], yns[u] = _nearest(
            cam, xn[u], yv, float(zrow[u]), h, w
        )


@njit(**JIT)
def project_points(
    cam: Camera,
    xn: np.ndarray,
    yn: np.ndarray,
    z: np.ndarray,
    n: int,
    h: int,
    w: int,
    out: tuple[np.ndarray, ...],
) -> None:
    """_nearest for the first n samples of a list (normalised xn, yn, depths z)."""
    pix, zs, oxs, oys, jns, yns = out[0], out[1], out[2], out[3], out[10], out[11]
    for t in range(uint64(0), uint64(n)):
        pix[t], zs[t], oxs[t], oys[t], jns[t], yns[t] = _nearest(
            cam, xn[t], yn[t], float(z[t]), h, w
        )


@njit(**JIT)
def footprint_row(
    pc: tuple[np.float32, ...],
    xn: np.ndarray,
    yv: float,
    zrow: np.ndarray,
    gu_row: np.ndarray,
    gv_row: np.ndarray,
    ge_row: np.ndarray,
    links: np.ndarray,
    flags: np.ndarray,
    u0: int,
    u1: int,
    out: tuple[np.ndarray, ...],
) -> tuple[int, int, int, int]:
    """_footprint for samples u0 <= u < u1 of a source row (after project_row).

    pc: pose_constants; xn (Wp,) float32, yv the row, normalised. out = (pix, z, ox, oy, du,
    dv, inv, extras, zp, slopes, jn, yn): fills the offset (du, dv) in source pixels from the
    sample to its nearest pixel's point, the depth zp there and its slopes (2, Wp) along the
    source axes, the inverse Jacobian inv (4, Wp) and extras: the other pixels of the
    sample's footprint (its cell, or for an edge sample, one with links (Wp,) missing, its
    bilinear support), see ACROSS, and SEAM. Samples seen edge-on or magnified beyond
    MAX_EXTENT get nothing: an offset of NOWHERE, no other pixels. Returns how many samples
    have extras, and have ACROSS, DOWN and DIAGONAL.
    """
    _, zs, oxs, oys, dus, dvs, inv, extras, zps, slopes, _, _ = out
    rc = _row_constants(pc, np.float32(yv))
    n_any = n_across = n_down = n_diagonal = 0
    for u in range(uint64(u0), uint64(u1)):
        du, dv, zp, zu, zv, i00, i01, i10, i11, fbits = _footprint(
            rc, xn[u], zrow[u], zs[u], gu_row[u], gv_row[u], ge_row[u], oxs[u], oys[u],
            links[u] != 255, (flags[u] & XLINK) != 0,
        )  # fmt: skip
        bits = np.uint8(fbits)
        dus[u] = du
        dvs[u] = dv
        zps[u] = zp
        slopes[0, u] = zu
        slopes[1, u] = zv
        inv[0, u] = i00
        inv[1, u] = i01
        inv[2, u] = i10
        inv[3, u] = i11
        extras[u] = bits
        n_any += 1 if bits != 0 else 0
        n_across += 1 if bits & ACROSS else 0
        n_down += 1 if bits & DOWN else 0
        n_diagonal += 1 if bits & DIAGONAL else 0
    return n_any, n_across, n_down, n_diagonal


@njit(**JIT)
def footprint_points(
    pc: tuple[np.float32, ...],
    xn: np.ndarray,
    yn: np.ndarray,
    z: np.ndarray,
    gu: np.ndarray,
    gv: np.ndarray,
    ge: np.ndarray,
    links: np.ndarray,
    flags: np.ndarray,
    n: int,
    out: tuple[np.ndarray, ...],
) -> None:
    """footprint_row for the first n samples of a list (after project_points)."""
    _, zs, oxs, oys, dus, dvs, inv, extras, zps, slopes, _, _ = out
    for t in range(uint64(0), uint64(n)):
        du, dv, zp, zu, zv, i00, i01, i10, i11, fbits = _footprint(
            _row_constants(pc, yn[t]), xn[t], z[t], zs[t], gu[t], gv[t], ge[t], oxs[t], oys[t],
            links[t] != 255, (flags[t] & XLINK) != 0,
        )  # fmt: skip
        dus[t] = du
        dvs[t] = dv
        zps[t] = zp
        slopes[0, t] = zu
        slopes[1, t] = zv
        inv[0, t] = i00
        inv[1, t] = i01
        inv[2, t] = i10
        inv[3, t] = i11
        extras[t] = np.uint8(fbits)


@njit(**JIT)
def neighbour_row(
    kind: int,
    u0: int,
    u1: int,
    h: int,
    w: int,
    proj: tuple[np.ndarray, ...],
    out: tuple[np.ndarray, ...],
) -> int:
    """The pixels of one kind (ACROSS, DOWN or DIAGONAL) that samples' footprints also cover.

    proj: filled by project_row and footprint_row. out = (pix, z, du, dv, order): pix, z, du,
    dv like theirs for the nearest pixel: the pixel (-1 where the sample has none of this
    kind, it is off the frame, or the sample weighs less than FAINT there), the depth at its
    point and the offset there; order: the samples that have such a pixel, in order. Returns
    their number. The claims go through order: most samples have no such pixel, and listing
    the others (branch-free) costs less than the claim loop skipping them one by one.
    """
    pix, _, oxs, oys, dus, dvs, inv, extras, zps, slopes, jns, yns = proj
    cpix, czs, cdus, cdvs, order = out
    for u in range(uint64(u0), uint64(u1)):
        # The neighbour towards the sample: left of the nearest pixel if the sample is.
        dj = (ONE if oxs[u] <= 0.0 else -ONE) if kind != DOWN else ZERO
        di = (ONE if oys[u] <= 0.0 else -ONE) if kind != ACROSS else ZERO
        du = dus[u]
        dv = dvs[u]
        eu = du + inv[0, u] * dj + inv[1, u] * di
        ev = dv + inv[2, u] * dj + inv[3, u] * di
        jc = jns[u] + dj
        ic = yns[u] + di
        ok = (
            ((extras[u] & kind) != 0)
            & (pix[u] != -1)
            & (jc >= 0.0)
            & (ic >= 0.0)
            & (jc < w)
            & (ic < h)
            & ((ONE - abs(eu)) * (ONE - abs(ev)) >= FAINT)
            & (abs(eu) < ONE)
            & (abs(ev) < ONE)
        )
        cpix[u] = np.int32(int(ic) * w + int(jc) if ok else -1)
        cdus[u] = eu if ok else NOWHERE
        cdvs[u] = ev
        czs[u] = zps[u] + slopes[0, u] * (eu - du) + slopes[1, u] * (ev - dv)
    n = 0
    for u in range(uint64(u0), uint64(u1)):  # branch-free: each sample is written, kept or not
        order[n] = u
        n += cpix[u] >= 0
    return n
