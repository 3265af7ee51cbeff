"""Numba forward-warping kernels: project every source sample, splat it, keep two surfaces.

A frame is two sweeps over buffers owned by a Renderer:

1. `splat`: each sample spreads over the target pixels around its projected position with tent
   weights (bilinear when the footprint is one pixel, so motion is sub-pixel smooth). The tent
   radius follows the local stretch of the surface (Jacobian of the projection, including the
   depth map's slope along the surface), which keeps the weights close to a partition of
   unity on a magnified surface: no cracks when the camera pushes in. Every pixel keeps two
   surfaces, a soft z-buffer in one pass: the front (nearest) and the back (nearest behind
   the front). Samples within a relative depth tolerance of a surface join it and blend; a
   sample clearly nearer than the front pushes the front to the back; hidden ones are
   dropped. Only samples with a splat weight >= CLAIM may push a surface away, so the faint
   rim of a splat neither hides what is behind it nor grows a silhouette by a pixel; faint
   samples nearer than the front blend into it (anti-aliased edges).
2. `depthreel.render.composite.resolve` composites the two surfaces and marks the holes for
   depthreel.render.fill.

Depth is the depth along the new camera's axis. The Renderer gives absent samples depth 0, so
the kernels never see NaN. Helpers take scalars and tuples only: Numba reference-counts array
arguments on every call, which costs more than the work in these loops.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from depthreel.render.project import NEAR_Z

# fastmath minus 'nnan'/'ninf': the buffers use a finite EMPTY sentinel, but keeping IEEE
# semantics for comparisons costs nothing measurable and keeps odd inputs from miscompiling.
FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}
# error_model="numpy": a float division by zero gives inf instead of raising, which spares a
# check in every division (the kernels guard their divisors anyway).
JIT: dict[str, Any] = {"cache": True, "nogil": True, "fastmath": FASTMATH, "error_model": "numpy"}

EMPTY = np.float32(3.0e38)  # "no surface" in the z-buffer (finite, unlike inf)
CLAIM = 0.2  # least splat weight with which a sample may define a pixel's surface depth
SNAP = 1.1  # footprints stretched less than this stay bilinear (GAIN absorbs the ripple)
MAX_RADIUS = 3.0  # largest tent radius in pixels (magnification beyond this leaves cracks)

Camera = tuple[float, ...]  # depthreel.render.project.camera_params as a tuple (16 floats)


@njit(**JIT)
def project_row(
    cam: Camera,
    xn: np.ndarray,
    yv: float,
    zrow: np.ndarray,
    grow: np.ndarray,
    h: int,
    w: int,
    proj: np.ndarray,
) -> None:
    """Project one source row into proj (5, Ws) = x, y, depth, radius_x, radius_y.

    Branch-free so that it vectorises. A sample that is absent, behind the camera or whose
    footprint misses the (h, w) frame gets depth -1. The radii are the norms of the rows of
    the projection's Jacobian at the sample (how far its neighbours land), 1 below SNAP, at
    most MAX_RADIUS. grow (2, Ws) holds the depth's gradient (dZ/du, dZ/dv) along the
    surface, which stretches a slanted surface beyond the magnification of a fronto-parallel
    patch.
    """
    r00, r01, r02, r10, r11, r12, r20, r21, r22 = cam[:9]
    t0, t1, t2, f, ox, oy, kf = cam[9:16]
    bx = r01 * yv + r02
    by = r11 * yv + r12
    bz = r21 * yv + r22
    for u in range(zrow.shape[0]):
        z = float(zrow[u])
        xu = xn[u]
        rx = r00 * xu + bx  # the sample's ray in the new camera's frame
        ry = r10 * xu + by
        rz = r20 * xu + bz
        pz = z * rz - t2
        iz = 1.0 / max(pz, NEAR_Z)
        a = (z * rx - t0) * iz
        b = (z * ry - t1) * iz
        k = kf * z * iz  # magnification of a fronto-parallel patch
        gx = f * iz * (rx - a * rz)  # how a change of depth moves the sample on screen
        gy = f * iz * (ry - b * rz)
        gu = float(grow[0, u])
        gv = float(grow[1, u])
        jx0 = k * (r00 - a * r20) + gu * gx
        jx1 = k * (r01 - a * r21) + gv * gx
        jy0 = k * (r10 - b * r20) + gu * gy
        jy1 = k * (r11 - b * r21) + gv * gy
        sx = math.sqrt(jx0 * jx0 + jx1 * jx1)
        sy = math.sqrt(jy0 * jy0 + jy1 * jy1)
        sx = min(sx, MAX_RADIUS) if sx >= SNAP else 1.0
        sy = min(sy, MAX_RADIUS) if sy >= SNAP else 1.0
        x = f * a + ox
        y = f * b + oy
        inside = (
            z > 0.0 and pz > NEAR_Z and x > -sx and y > -sy and x < w - 1 + sx and y < h - 1 + sy
        )
        proj[0, u] = x
        proj[1, u] = y
        proj[2, u] = pz if inside else -1.0
        proj[3, u] = sx
        proj[4, u] = sy


@njit(**JIT, inline="always")
def _span(c: float, radius: float, size: int) -> tuple[int, int]:
    """Target pixels i with |i - c| < radius, clipped to [0, size); empty if lo > hi."""
    lo = math.floor(c - radius) + 1
    hi = math.floor(c + radius)
    return max(lo, 0), min(hi, size - 1)


@njit(**JIT)
def splat(
    depth: np.ndarray,
    spans: np.ndarray,
    grad: np.ndarray,
    color: np.ndarray,
    xn: np.ndarray,
    yn: np.ndarray,
    cam: Camera,
    tol: float,
    has_alpha: bool,
    state: np.ndarray,
    back: np.ndarray,
) -> None:
    """Splat all layers into two surfaces per pixel in a single pass.

    depth (L, Hs, Ws); spans (L, Hs, 2) the columns [u0, u1) of each row that hold samples;
    grad (L, Hs, 2, Ws) the depth's gradient along surfaces (see project_row);
    color (L, Hs, Ws, 4) = (a r, a g, a b, a), premultiplied. state
    (H, W, 8) holds (z1, z2, sum w a r, sum w a g, sum w a b, sum w a, sum w, claimed) for the
    front surface; back (H, W, 4) the same four sums for the surface behind it. Without alpha
    sum w a is sum w and slot 6 is not kept up to date. A pixel whose z1 (z2) is EMPTY has no front
    (back) and stale sums, so only the depths need resetting between frames.

    The front's depth z1 comes from its first claiming sample (splat weight >= CLAIM). A
    claiming sample nearer than z1 beyond the tolerance pushes the front to the back (the old
    back is hidden now); one within tolerance joins the front; one behind it joins, replaces
    or misses the back likewise. Weak samples only define a surface where there is none yet;
    otherwise they join the front when nearer (anti-aliasing a silhouette) or a surface
    within its tolerance.
    """
    n_layers, hs, ws = depth.shape
    h, w = state.shape[0], state.shape[1]
    tol1 = 1.0 + tol
    empty = EMPTY
    proj = np.empty((5, ws))
    for v in range(hs):
        for layer in range(n_layers):
            u0 = spans[layer, v, 0]
            u1 = spans[layer, v, 1]
            if u0 >= u1:
                continue
            # (The whole row: a loop starting at u0 would not vectorise.)
            project_row(cam, xn, yn[v], depth[layer, v], grad[layer, v], h, w, proj)
            for u in range(u0, u1):
                zc = proj[2, u]
                if zc <= 0.0:
                    continue
                x = proj[0, u]
                y = proj[1, u]
                sx = proj[3, u]
                sy = proj[4, u]
                r = color[layer, v, u, 0]
                g = color[layer, v, u, 1]
                b = color[layer, v, u, 2]
                a = color[layer, v, u, 3]
                if sx == 1.0 and sy == 1.0:  # bilinear: the 2x2 around (x, y)
                    i0 = math.floor(y)
                    j0 = math.floor(x)
                    nj = 2
                    count = 4
                    kx = ky = 1.0
                else:
                    ky = 1.0 / sy
                    kx = 1.0 / sx
                    i0, i1 = _span(y, sy, h)
                    j0, j1 = _span(x, sx, w)
                    nj = j1 - j0 + 1
                    count = (i1 - i0 + 1) * nj if nj > 0 else 0
                # One flat loop over the footprint's pixels, row by row (cheaper than
                # nested loops of two iterations).
                di = 0
                dj = 0
                for _ in range(count):
                    i = i0 + di
                    j = j0 + dj
                    dj += 1
                    if dj == nj:
                        dj = 0
                        di += 1
                    if i < 0 or i >= h or j < 0 or j >= w:
                        continue
                    wt = np.float32((1.0 - abs(i - y) * ky) * (1.0 - abs(j - x) * kx))
                    if wt <= 0.0:
                        continue
                    claim = wt >= CLAIM
                    z1 = state[i, j, 0]
                    zf = zc  # the front's depth if this sample (re)starts it
                    if z1 < empty and state[i, j, 7] != 0.0:  # a claimed front
                        if zc <= z1 * tol1 and (zc * tol1 >= z1 or not claim):
                            # Same surface, or a weak sample in front (anti-aliasing).
                            state[i, j, 2] += wt * r
                            state[i, j, 3] += wt * g
                            state[i, j, 4] += wt * b
                            state[i, j, 5] += wt * a
                            if has_alpha:
                                # A fringe sample in front only covers its opaque part:
                                # the front itself shows through the rest.
                                state[i, j, 6] += wt if zc * tol1 >= z1 else wt * a
                            continue
                        if zc > z1 * tol1:
                            # Behind the front: the back takes claimers nearer than
                            # it (any sample while it is empty), and any sample within
                            # its tolerance.
                            z2 = state[i, j, 1]
                            if zc * tol1 < z2 and (claim or z2 >= empty):
                                state[i, j, 1] = zc
                                back[i, j, 0] = wt * r
                                back[i, j, 1] = wt * g
                                back[i, j, 2] = wt * b
                                back[i, j, 3] = wt * a
                            elif z2 < empty and zc <= z2 * tol1 and zc * tol1 >= z2:
                                back[i, j, 0] += wt * r
                                back[i, j, 1] += wt * g
                                back[i, j, 2] += wt * b
                                back[i, j, 3] += wt * a
                            continue
                        # A claimer clearly in front: the front becomes the back.
                        state[i, j, 1] = z1
                        back[i, j, 0] = state[i, j, 2]
                        back[i, j, 1] = state[i, j, 3]
                        back[i, j, 2] = state[i, j, 4]
                        back[i, j, 3] = state[i, j, 5]
                        keep = np.float32(0.0)
                    elif z1 < empty:  # the front so far only has weak samples
                        if claim:
                            # The claimer defines the front; weak samples nearer than it
                            # stay (an anti-aliased fringe), weak ones behind are hidden.
                            keep = np.float32(1.0 if z1 <= zc * tol1 else 0.0)
                            state[i, j, 6] = state[i, j, 5]  # the fringe's opaque part
                            state[i, j, 7] = 1.0
                        else:  # weak joins weak: a blend of rims until a claimer comes
                            keep = np.float32(1.0)
                            zf = min(z1, zc)
                    else:  # first sample at this pixel
                        keep = np.float32(0.0)
                        state[i, j, 7] = 1.0 if claim else 0.0
                    state[i, j, 0] = zf
                    state[i, j, 2] = keep * state[i, j, 2] + wt * r
                    state[i, j, 3] = keep * state[i, j, 3] + wt * g
                    state[i, j, 4] = keep * state[i, j, 4] + wt * b
                    state[i, j, 5] = keep * state[i, j, 5] + wt * a
                    state[i, j, 6] = keep * state[i, j, 6] + wt
