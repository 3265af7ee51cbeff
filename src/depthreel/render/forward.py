"""Where source samples land: the projection and each sample's footprint, vectorised by row.

`project_row` (float64, for exact positions) finds each sample's nearest target pixel and the
offset to it; `footprint_row` (float32, 16 lanes) the local inverse of the projection there
(its Jacobian includes the depth's slope along the surface, which stretches a slanted
surface), so the offset in source pixels from the sample to that pixel's point, the depth at
that point, and which neighbouring pixels the sample's footprint also covers: its cell (the
points within half a source pixel), or for a sample on a surface's edge its whole bilinear
support, so that a silhouette fades out on both sides of its motion.

Both loops are branch-free over unsigned indices so that they vectorise (Numba handles
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
# on a seam between layers (XLINK) and is sampled across them.
ACROSS, DOWN, DIAGONAL, SEAM, WIDE = 1, 2, 4, 8, 16
MAX_EXTENT = np.float32(4.0)  # largest footprint half-size in pixels (beyond: sample dropped)
BORDER = 6  # samples whose nearest pixel lies this far off the frame may still reach it
ONE = np.float32(1.0)
ZERO = np.float32(0.0)
FAINT = np.float32(1e-3)  # least bilinear weight of a sample at a pixel of its footprint
EDGE_FAR = np.float32(1.1)  # an edge sample's footprint only counts a pixel beyond its nearest
# pixel's neighbour where it weighs more than ~1/10 there

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

    out = (pix, z, ox, oy, ..., jn, yn): the nearest target pixel's flat index (-1 when the
    sample is absent or behind the camera; when only that pixel is off the (h, w) frame, -2 -
    its flat index in the frame grown by BORDER), the sample's depth along the new camera's
    axis, the offset (ox, oy) from the projected sample to that pixel and the pixel's column
    and row, in pixels. Branch-free so
    that it vectorises.
    """
    pix, zs, oxs, oys, jns, yns = out[0], out[1], out[2], out[3], out[10], out[11]
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
        jns[u] = np.float32(jn)
        yns[u] = np.float32(yn_)
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
) -> tuple[int, int, int, int]:
    """The local inverse projection of samples u0 <= u < u1 (float32, after project_row).

    cam: row_camera of this row. out = (pix, z, ox, oy, du, dv, inv, extras, zp, slopes, jn,
    yn): fills the offset (du, dv) in source pixels from the sample to its nearest pixel's
    point, the depth zp there and its slopes (2, Wp) along the source axes, the inverse
    Jacobian inv (4, Wp) and extras: the other pixels of the sample's footprint (its cell, or
    for an edge sample, one with links (Wp,) missing, its bilinear support), see ACROSS, and
    SEAM. Samples seen edge-on or magnified beyond MAX_EXTENT get nothing: an offset of
    NOWHERE, no other pixels. Returns how many samples have extras, and have ACROSS, DOWN and
    DIAGONAL.
    """
    _, zs, oxs, oys, dus, dvs, inv, extras, zps, slopes, _, _ = out
    rz0, rz1, a00, b00, a01, c01, b01, a10, b10, a11, c11, b11, p0, p1, q0, q1 = cam[:16]
    kf, f, r20d, r21d = cam[16], cam[17], cam[18], cam[19]
    n_any = n_across = n_down = n_diagonal = 0
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
        # decides which neighbours of the nearest pixel may lie in it: those towards the
        # sample lie 1 - |offset| away, those beyond 1 + |offset| (an edge sample's only
        # count where it weighs enough).
        edge = links[u] != 255
        reach = ONE if edge else RADIUS
        far = EDGE_FAR if edge else ONE
        ipz2 = ONE / (pz * pz)
        hx = reach * (abs(m00) + abs(m01)) * ipz2
        hy = reach * (abs(m10) + abs(m11)) * ipz2
        near_x = ONE - abs(o_x) < hx
        near_y = ONE - abs(o_y) < hy
        good = (abs(det) > TINY * pz * pz * pz * pz) & (hx < MAX_EXTENT) & (hy < MAX_EXTENT)
        bits = (
            (ACROSS if near_x else 0)
            | (DOWN if near_y else 0)
            | (DIAGONAL if near_x & near_y else 0)
            | (WIDE if (hx > far * (ONE + abs(o_x))) | (hy > far * (ONE + abs(o_y))) else 0)
            | (SEAM if flags[u] & XLINK else 0)
        )
        bits = bits if good else 0
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
        extras[u] = bits
        n_any += 1 if bits != 0 else 0
        n_across += 1 if bits & ACROSS else 0
        n_down += 1 if bits & DOWN else 0
        n_diagonal += 1 if bits & DIAGONAL else 0
    return n_any, n_across, n_down, n_diagonal


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
def neighbour_row(
    kind: int,
    u0: int,
    u1: int,
    h: int,
    w: int,
    proj: tuple[np.ndarray, ...],
    out: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """The pixels of one kind (ACROSS, DOWN or DIAGONAL) that samples' footprints also cover.

    proj: filled by project_row and footprint_row. out = (pix, z, du, dv) like theirs for the
    nearest pixel: the pixel (-1 where the sample has none of this kind, it is off the frame,
    or the sample weighs less than FAINT there), the depth at its point and the offset there.
    """
    pix, _, oxs, oys, dus, dvs, inv, extras, zps, slopes, jns, yns = proj
    cpix, czs, cdus, cdvs = out
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
