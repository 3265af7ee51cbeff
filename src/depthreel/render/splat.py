"""Numba forward-warping kernels: project every source sample, splat it, keep two surfaces.

A frame is two sweeps over buffers owned by a Renderer:

1. `splat`: each sample spreads over the target pixels around its projected position with tent
   weights (bilinear when the footprint is one pixel, so motion is sub-pixel smooth). The tent
   radius follows the local magnification of a fronto-parallel patch (Jacobian of the
   projection at fixed depth), which keeps the weights a partition of unity on a magnified
   surface: no cracks when the camera pushes in. Every pixel keeps two surfaces, a soft
   z-buffer: the front (nearest) and the back (nearest behind the front). Samples within a
   relative depth tolerance of a surface join it and blend; a sample clearly nearer than the
   front pushes the front to the back; hidden ones are dropped. Only samples with a splat
   weight >= CLAIM may define a surface's depth, so the faint rim of a splat neither hides
   what is behind it nor grows a silhouette by a pixel; faint samples nearer than the front
   blend into it (anti-aliased edges).
2. `depthreel.render.fill.resolve` composites the two surfaces and starts the hole filling.

Depth is the depth along the new camera's axis. The Renderer gives absent samples depth 0, so
the kernels never see NaN. Helpers take scalars and tuples only: Numba reference-counts array
arguments on every call, which costs more than the work in these loops.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from depthreel.render.project import NEAR_Z

# fastmath minus 'nnan'/'ninf': the buffers use a finite EMPTY sentinel, but keeping IEEE
# semantics for comparisons costs nothing measurable and keeps odd inputs from miscompiling.
FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}

EMPTY = np.float32(3.0e38)  # "no surface" in the z-buffer (finite, unlike inf)
CLAIM = 0.2  # least splat weight with which a sample may define a pixel's surface depth
MAX_RADIUS = 3.0  # largest tent radius in pixels (magnification beyond this leaves cracks)

Camera = tuple[float, ...]  # depthreel.render.project.camera_params as a tuple (16 floats)


@njit(cache=True, nogil=True, fastmath=FASTMATH)
def project_row(
    cam: Camera, xn: np.ndarray, yv: float, zrow: np.ndarray, h: int, w: int, proj: np.ndarray
) -> None:
    """Project one source row into proj (5, Ws) = x, y, depth, radius_x, radius_y.

    Branch-free so that it vectorises. A sample that is absent, behind the camera or whose
    footprint misses the (h, w) frame gets depth -1. The radii are the local magnification of
    a fronto-parallel patch (Jacobian of the projection at fixed depth) clamped to
    [1, MAX_RADIUS].
    """
    r00, r01, r02, r10, r11, r12, r20, r21, r22 = cam[:9]
    t0, t1, t2, f, ox, oy, kf = cam[9:16]
    bx = r01 * yv + r02
    by = r11 * yv + r12
    bz = r21 * yv + r22
    for u in range(zrow.shape[0]):
        z = float(zrow[u])
        xu = xn[u]
        pz = z * (r20 * xu + bz) - t2
        iz = 1.0 / max(pz, NEAR_Z)
        a = (z * (r00 * xu + bx) - t0) * iz
        b = (z * (r10 * xu + by) - t1) * iz
        k = kf * z * iz
        jx0 = r00 - a * r20
        jx1 = r01 - a * r21
        jy0 = r10 - b * r20
        jy1 = r11 - b * r21
        sx = min(max(k * math.sqrt(jx0 * jx0 + jx1 * jx1), 1.0), MAX_RADIUS)
        sy = min(max(k * math.sqrt(jy0 * jy0 + jy1 * jy1), 1.0), MAX_RADIUS)
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


@njit(cache=True, nogil=True, fastmath=FASTMATH, inline="always")
def _span(c: float, radius: float, size: int) -> tuple[int, int]:
    """Target pixels i with |i - c| < radius, clipped to [0, size); empty if lo > hi."""
    lo = math.floor(c - radius) + 1
    hi = math.floor(c + radius)
    return max(lo, 0), min(hi, size - 1)


@njit(cache=True, nogil=True, fastmath=FASTMATH)
def splat(
    depth: np.ndarray,
    color: np.ndarray,
    xn: np.ndarray,
    yn: np.ndarray,
    cam: Camera,
    tol: float,
    state: np.ndarray,
    back: np.ndarray,
) -> None:
    """Splat all layers into two surfaces per pixel in a single pass.

    depth (L, Hs, Ws), color (L, Hs, Ws, 4) = r, g, b, alpha. state (H, W, 8) holds
    (z1, z2, sum w a r, sum w a g, sum w a b, sum w a, sum w, -) for the front surface; back
    (H, W, 4) holds (sum w a r, sum w a g, sum w a b, sum w a) for the surface behind it. A
    pixel whose z1 (z2) is EMPTY has no front (back) and its sums are garbage, so only the
    depths need resetting between frames. A sample nearer than z1 beyond the tolerance
    pushes the front surface to the back (the old back is hidden now); one within tolerance
    joins it; one behind joins, replaces or misses the back surface likewise.
    """
    n_layers, hs, ws = depth.shape
    h, w = state.shape[0], state.shape[1]
    tol1 = 1.0 + tol
    proj = np.empty((5, ws))
    for layer in range(n_layers):
        for v in range(hs):
            project_row(cam, xn, yn[v], depth[layer, v], h, w, proj)
            for u in range(ws):
                zc = proj[2, u]
                if zc <= 0.0:
                    continue
                x = proj[0, u]
                y = proj[1, u]
                sx = proj[3, u]
                sy = proj[4, u]
                a = color[layer, v, u, 3]
                r = color[layer, v, u, 0] * a
                g = color[layer, v, u, 1] * a
                b = color[layer, v, u, 2] * a
                if sx == 1.0 and sy == 1.0:
                    i0 = math.floor(y)
                    j0 = math.floor(x)
                    i1 = min(i0 + 1, h - 1)
                    j1 = min(j0 + 1, w - 1)
                    i0 = max(i0, 0)
                    j0 = max(j0, 0)
                    kx = ky = 1.0
                else:
                    ky = 1.0 / sy
                    kx = 1.0 / sx
                    i0, i1 = _span(y, sy, h)
                    j0, j1 = _span(x, sx, w)
                for i in range(i0, i1 + 1):
                    wy = 1.0 - abs(i - y) * ky
                    for j in range(j0, j1 + 1):
                        wt = np.float32(wy * (1.0 - abs(j - x) * kx))
                        if wt <= 0.0:
                            continue
                        wa = wt * a
                        claim = wt >= CLAIM
                        z1 = state[i, j, 0]
                        keep = np.float32(1.0)  # 0: the sample replaces the front's sums
                        if z1 >= EMPTY:  # first sample at this pixel
                            keep = np.float32(0.0)
                            z1 = zc
                            state[i, j, 7] = claim
                        elif state[i, j, 7] == 0.0:  # the front so far only has weak samples
                            if claim:
                                # A claimer defines the front; weak samples nearer than it stay
                                # (an anti-aliased fringe), weak ones behind it are hidden.
                                if z1 > zc * tol1:
                                    keep = np.float32(0.0)
                                z1 = zc
                                state[i, j, 7] = 1.0
                            elif zc <= z1 * tol1:
                                z1 = min(z1, zc)
                            else:
                                continue
                        elif zc <= z1 * tol1:
                            if claim and zc * tol1 < z1:
                                # A surface clearly in front: the front becomes the back.
                                state[i, j, 1] = z1
                                back[i, j, 0] = state[i, j, 2]
                                back[i, j, 1] = state[i, j, 3]
                                back[i, j, 2] = state[i, j, 4]
                                back[i, j, 3] = state[i, j, 5]
                                keep = np.float32(0.0)
                                z1 = zc
                            elif claim:
                                z1 = min(z1, zc)
                            # else: a weak nearer sample joins the front (anti-aliasing).
                        else:
                            # Behind the front: the back takes claimers nearer than it, and
                            # any sample within its tolerance.
                            z2 = state[i, j, 1]
                            if claim and zc * tol1 < z2:
                                state[i, j, 1] = zc
                                back[i, j, 0] = wt * r
                                back[i, j, 1] = wt * g
                                back[i, j, 2] = wt * b
                                back[i, j, 3] = wa
                            elif z2 < EMPTY and zc <= z2 * tol1 and zc * tol1 >= z2:
                                if claim:
                                    state[i, j, 1] = min(z2, zc)
                                back[i, j, 0] += wt * r
                                back[i, j, 1] += wt * g
                                back[i, j, 2] += wt * b
                                back[i, j, 3] += wa
                            continue
                        state[i, j, 0] = z1
                        state[i, j, 2] = keep * state[i, j, 2] + wt * r
                        state[i, j, 3] = keep * state[i, j, 3] + wt * g
                        state[i, j, 4] = keep * state[i, j, 4] + wt * b
                        state[i, j, 5] = keep * state[i, j, 5] + wa
                        state[i, j, 6] = keep * state[i, j, 6] + wt
