"""Numba kernels for the full-resolution passes of depthreel.lens (one read, one write each).

`split_fields` turns each pixel into its signed CoC and far/near weights and sums them, block
by block, onto the reduced grid; `composite` samples the blurred fields back (bilinear, as
cv2.resize INTER_LINEAR) and blends them with the sharp frame. Both follow the weights of
`field_weights`, the single definition of how CoC maps to blur.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

JIT: dict[str, Any] = {"cache": True, "nogil": True, "fastmath": True, "error_model": "numpy"}

# Channels of the reduced fields written by split_fields.
FAR, NEAR, BEHIND = 0, 5, 10  # far: rgb*w, w, coc*w; near: rgb*w, w, |coc|*w
CHANNELS = 15  # behind: rgb*keep*(1-far), keep*far, keep (keep = 1 - near weight)


@njit(**JIT)
def field_weights(
    z: float, focus: float, aperture: float, max_radius: float, in_focus: float, ramp: float
) -> tuple[float, float, float]:
    """(signed CoC px, far weight, near weight) of one pixel at depth z."""
    coc = max_radius if not z > 0 else aperture * (1.0 - focus / z)
    coc = min(max(coc, -max_radius), max_radius)
    far = min(max((coc - in_focus) / ramp, 0.0), 1.0)
    near = min(max((-coc - in_focus) / ramp, 0.0), 1.0)
    return coc, far, near


@njit(**JIT)
def split_fields(
    rgb: np.ndarray,
    depth: np.ndarray,
    params: tuple[float, float, float, float, float],
    step: int,
    fields: np.ndarray,
    with_near: bool = True,
) -> None:
    """Average each step x step block's far, near and behind sums into `fields` (hl, wl, 15).

    Without `with_near` (nothing in front of the focus plane) the near and behind sums stay 0.
    """
    focus, aperture, max_radius, in_focus, ramp = params
    h, w = depth.shape
    fields[:] = 0.0
    for y in range(h):
        ly = y // step
        for x in range(w):
            coc, far, near = field_weights(depth[y, x], focus, aperture, max_radius, in_focus, ramp)
            lx = x // step
            keep = 1.0 - near
            rest = keep * (1.0 - far)
            r, g, b = rgb[y, x, 0], rgb[y, x, 1], rgb[y, x, 2]
            if far > 0.0:
                fields[ly, lx, FAR] += r * far
                fields[ly, lx, FAR + 1] += g * far
                fields[ly, lx, FAR + 2] += b * far
                fields[ly, lx, FAR + 3] += far
                fields[ly, lx, FAR + 4] += coc * far
            if not with_near:
                continue
            if near > 0.0:
                fields[ly, lx, NEAR] += r * near
                fields[ly, lx, NEAR + 1] += g * near
                fields[ly, lx, NEAR + 2] += b * near
                fields[ly, lx, NEAR + 3] += near
                fields[ly, lx, NEAR + 4] -= coc * near
            fields[ly, lx, BEHIND] += r * rest
            fields[ly, lx, BEHIND + 1] += g * rest
            fields[ly, lx, BEHIND + 2] += b * rest
            fields[ly, lx, BEHIND + 3] += keep * far
            fields[ly, lx, BEHIND + 4] += keep
    hl, wl = fields.shape[:2]
    for ly in range(hl):
        rows = min(step, h - ly * step)
        for lx in range(wl):
            inv = 1.0 / (rows * min(step, w - lx * step))
            for c in range(CHANNELS):
                fields[ly, lx, c] *= inv


@njit(**JIT)
def _tap(size: int, position: float) -> tuple[int, int, float]:
    """Bilinear taps along one axis (cv2 INTER_LINEAR convention, edges clamped)."""
    p = min(max(position, 0.0), size - 1.0)
    i0 = min(int(p), size - 1)  # p >= 0: int() floors
    i1 = min(i0 + 1, size - 1)
    return i0, i1, p - i0


@njit(**JIT)
def composite(
    rgb: np.ndarray,
    depth: np.ndarray,
    params: tuple[float, float, float, float, float],
    step: int,
    blurred: np.ndarray,
    out: np.ndarray,
    with_near: bool = True,
    first_row: int = 0,
) -> None:
    """out = near over lerp(lerp(sharp, far, w_far), behind, w_near), fields upsampled.

    blurred (hl, wl, 10): far colour (normalised, 3), behind colour (normalised, 3),
    near colour premultiplied (3) and near alpha (1). rgb, depth and out may be a band of rows
    of the frame starting at `first_row` (so two threads can share a frame).
    """
    focus, aperture, max_radius, in_focus, ramp = params
    h, w = depth.shape
    hl, wl = blurred.shape[:2]
    x0s = np.empty(w, np.int64)
    x1s = np.empty(w, np.int64)
    fxs = np.empty(w, np.float32)
    for x in range(w):
        x0s[x], x1s[x], fxs[x] = _tap(wl, (x + 0.5) / step - 0.5)
    row = np.zeros((wl, 10), np.float32)
    channels = 10 if with_near else 3
    for y in range(h):
        y0, y1, fy = _tap(hl, (first_row + y + 0.5) / step - 0.5)
        for lx in range(wl):
            for c in range(channels):
                top = blurred[y0, lx, c]
                row[lx, c] = top + fy * (blurred[y1, lx, c] - top)
        for x in range(w):
            _, far, near = field_weights(depth[y, x], focus, aperture, max_radius, in_focus, ramp)
            x0, x1, fx = x0s[x], x1s[x], fxs[x]
            alpha = row[x0, 9] + fx * (row[x1, 9] - row[x0, 9])
            if far == 0.0 and near == 0.0 and alpha <= 0.0:
                for c in range(3):
                    out[y, x, c] = rgb[y, x, c]
                continue
            for c in range(3):
                value = rgb[y, x, c]
                if far > 0.0:
                    value += far * (row[x0, c] + fx * (row[x1, c] - row[x0, c]) - value)
                if near > 0.0:
                    b = row[x0, 3 + c] + fx * (row[x1, 3 + c] - row[x0, 3 + c])
                    value += near * (b - value)
                n = row[x0, 6 + c] + fx * (row[x1, 6 + c] - row[x0, 6 + c])
                out[y, x, c] = n + (1.0 - alpha) * value
