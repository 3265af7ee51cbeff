"""Source samples packed once per Renderer: padded planar grids, surface slopes and links.

Every layer lives on the source grid padded by one absent sample on each side, so a 3x3
neighbourhood never leaves the arrays. Colour is planar (L, Hp, 4, Wp): the kernels read one
channel of a source row as a contiguous vector.

Two samples lie on one surface ("link") when the neighbour's depth is within a relative
tolerance of the sample's depth extrapolated along the sample's surface slope (`linked`).
Per sample the renderer keeps
- links: 8 bits, one per neighbour in the same layer (LINK_BIT gives the bit of an offset):
  bilinear sampling around the sample only uses the corners it links to;
- QUAD flag: the quad with this sample as its top-left corner is one surface in this layer;
- XLINK flag: a neighbour position this layer does not link to holds a sample of another layer
  that continues the surface (the seam between a photo's background and its extension);
  such a sample is sampled across layers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit

from depthreel.render.jit import JIT, QUAD, XLINK
from depthreel.scene import Intrinsics, Layer

SURFACE_STEP = 0.05
"""Neighbouring samples whose depths differ by less than 5 % lie on one (slanted) surface."""

GAP = 16  # runs of present samples closer than this are processed as one
SPARSE = 0.3  # a layer with fewer samples than this share of its grid is rendered point by point


@njit(**JIT, inline="always")
def linked(z: float, gu: float, gv: float, du: float, dv: float, zn: float, tol: float) -> bool:
    """Whether a sample of depth zn at offset (du, dv) continues the surface of depth z, slope g.

    zn <= 0 (absent) is never linked; tol is relative to z.
    """
    return zn > 0.0 and abs(zn - (z + gu * du + gv * dv)) <= tol * z


@njit(**JIT, inline="always")
def link_bit(du: int, dv: int) -> int:
    """The bit of neighbour offset (du, dv) in a sample's links (the centre has none)."""
    k = (dv + 1) * 3 + du + 1
    return k if k < 4 else k - 1


def surface_gradient(depth: np.ndarray) -> np.ndarray:
    """(2, H, W) dZ/du, dZ/dv of a depth map (0 = absent) along continuous surfaces.

    The mean of the forward and backward differences that stay on the surface (a step below
    SURFACE_STEP); a step across a depth edge counts as no slope, so a surface's slope never
    reaches over a disocclusion.
    """
    grad = np.zeros((2, *depth.shape), np.float32)
    for axis in (0, 1):
        step = np.diff(depth, axis=1 - axis)
        near = np.minimum(
            depth.take(range(depth.shape[1 - axis] - 1), axis=1 - axis),
            depth.take(range(1, depth.shape[1 - axis]), axis=1 - axis),
        )
        ok = (near > 0) & (np.abs(step) <= SURFACE_STEP * near)
        step = np.where(ok, step, 0.0)
        total = np.zeros(depth.shape, np.float32)
        count = np.zeros(depth.shape, np.float32)
        lead = [slice(None), slice(None)]
        lead[1 - axis] = slice(1, None)
        trail = [slice(None), slice(None)]
        trail[1 - axis] = slice(None, -1)
        total[tuple(lead)] += step
        count[tuple(lead)] += ok
        total[tuple(trail)] += step
        count[tuple(trail)] += ok
        grad[axis] = total / np.maximum(count, 1)
    return grad


def surface_spread(depth: np.ndarray) -> np.ndarray:
    """(H, W) how far a sample's one-sided slopes stray from surface_gradient's mean of them.

    Half the difference of the forward and backward slopes where both stay on the surface,
    summed over both axes: noisy (estimated) depth projects neighbours further apart on one
    side than the mean slope says, and a sample's cell must reach half way to them.
    """
    spread = np.zeros(depth.shape, np.float32)
    for axis in (0, 1):
        z = np.moveaxis(depth, axis, 0)  # the axis along the slope first
        step = np.diff(z, axis=0)
        near = np.minimum(z[:-1], z[1:])
        step = np.where((near > 0) & (np.abs(step) <= SURFACE_STEP * near), step, np.nan)
        half = np.abs(step[1:] - step[:-1]) / 2  # at samples 1 .. n - 2
        np.moveaxis(spread, axis, 0)[1:-1] += np.nan_to_num(half, nan=0.0)
    return spread


@njit(**JIT)
def _link(
    depth: np.ndarray, grad: np.ndarray, tol: float, links: np.ndarray, flags: np.ndarray
) -> None:
    """Fill links and the QUAD and XLINK flags (see the module docstring)."""
    n_layers, hp, wp = depth.shape
    for k in range(n_layers):
        for v in range(1, hp - 1):
            for u in range(1, wp - 1):
                z = depth[k, v, u]
                if z <= 0.0:
                    continue
                gu = grad[k, v, 0, u]
                gv = grad[k, v, 1, u]
                bits = 0
                seam = False
                for dv in range(-1, 2):
                    for du in range(-1, 2):
                        if du == 0 and dv == 0:
                            continue
                        if linked(z, gu, gv, du, dv, depth[k, v + dv, u + du], tol):
                            bits |= 1 << link_bit(du, dv)
                        else:
                            for other in range(n_layers):
                                zo = depth[other, v + dv, u + du]
                                if other != k and linked(z, gu, gv, du, dv, zo, tol):
                                    seam = True
                links[k, v, u] = bits
                if seam:
                    flags[k, v, u] |= XLINK
        # A quad is one surface when its corners link to each other.
        right, down = 1 << link_bit(1, 0), 1 << link_bit(0, 1)
        diag, anti = 1 << link_bit(1, 1), 1 << link_bit(-1, 1)
        for v in range(1, hp - 1):
            for u in range(1, wp - 1):
                a = links[k, v, u]
                b = links[k, v, u + 1]
                c = links[k, v + 1, u]
                if a & right and a & down and a & diag and b & down and b & anti and c & right:
                    flags[k, v, u] |= QUAD


@dataclass
class Source:
    """The layers packed for the kernels (see the module docstring).

    depth (L, Hp, Wp) float32, 0 where absent; color (L, Hp, 4, Wp) premultiplied rgba;
    grad (L, Hp, 3, Wp) surface slope (dZ/du, dZ/dv) and its spread (surface_spread);
    links, flags (L, Hp, Wp) uint8; segments, starts: the runs of present samples (see
    _segments); opaque (L, Hp): whether rows v - 1 .. v + 1 hold only opaque samples; sparse
    (L,): the layers with few samples (see SPARSE), whose samples are listed in points (see
    _points); xn (Wp), yn (Hp) the normalised image coordinates of the padded columns and
    rows.
    """

    depth: np.ndarray
    color: np.ndarray
    grad: np.ndarray
    links: np.ndarray
    flags: np.ndarray
    segments: np.ndarray
    starts: np.ndarray
    opaque: np.ndarray
    sparse: np.ndarray
    points: tuple[np.ndarray, ...]
    xn: np.ndarray
    yn: np.ndarray
    has_alpha: bool


def _segments(depth: np.ndarray, gap: int) -> tuple[np.ndarray, np.ndarray]:
    """Runs of present samples, row by row: (S, 3) = (layer, u0, u1), and (Hp + 1,) starts.

    Runs closer than `gap` samples are merged. The runs of padded row v are
    segments[starts[v]:starts[v + 1]], so a sparse layer costs little more than its samples.
    """
    n_layers, hp, _ = depth.shape
    present = np.pad(depth > 0, ((0, 0), (0, 0), (1, 1)))
    edges = np.diff(present.astype(np.int8), axis=2)  # +1 where a run starts, -1 after it
    rows = []
    for v in range(hp):
        for k in range(n_layers):
            begin = np.flatnonzero(edges[k, v] == 1)
            end = np.flatnonzero(edges[k, v] == -1)
            if begin.size:
                keep = np.concatenate([[True], begin[1:] - end[:-1] >= gap])
                begin, end = begin[keep], np.concatenate([end[:-1][keep[1:]], end[-1:]])
                rows.append(np.stack([np.full(begin.size, k), begin, end], axis=1))
            else:
                rows.append(np.zeros((0, 3), np.int64))
    counts = np.array([r.shape[0] for r in rows]).reshape(hp, n_layers).sum(axis=1)
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return np.concatenate(rows).astype(np.int64).reshape(-1, 3), starts


def _points(
    depth: np.ndarray,
    grad: np.ndarray,
    links: np.ndarray,
    flags: np.ndarray,
    layers: np.ndarray,
    xn: np.ndarray,
    yn: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """The present samples of some layers as a list, in order of layer, row and column.

    (row in the stacked (L * Hp) grid, column, xn, yn (float64), xn, yn, depth, slopes dZ/du
    and dZ/dv, their spread (float32), links, flags): what the kernels read of each sample,
    contiguous.
    """
    hp = depth.shape[1]
    ks, vs, us = np.nonzero(depth[layers] > 0)
    ks = layers[ks]
    return (
        (ks * hp + vs).astype(np.int64),
        us.astype(np.int64),
        xn[us],
        yn[vs],
        xn[us].astype(np.float32),
        yn[vs].astype(np.float32),
        depth[ks, vs, us],
        grad[ks, vs, 0, us],
        grad[ks, vs, 1, us],
        grad[ks, vs, 2, us],
        links[ks, vs, us],
        flags[ks, vs, us],
    )


def pack_source(layers: Sequence[Layer], src: Intrinsics, tol: float) -> Source:
    """Pack layers on the padded grid of `src`; `tol` is the relative depth tolerance of links.

    Absent samples (depth not finite or <= 0, or alpha 0) get depth 0 and colour 0.
    """
    if not layers:
        raise ValueError("Renderer needs at least one layer")
    shape = (src.height, src.width)
    n = len(layers)
    hp, wp = shape[0] + 2, shape[1] + 2
    depth = np.zeros((n, hp, wp), np.float32)
    color = np.zeros((n, hp, 4, wp), np.float32)
    has_alpha = False
    for k, layer in enumerate(layers):
        if layer.depth.shape != shape:
            raise ValueError(f"layer {k} is {layer.depth.shape}, source intrinsics say {shape}")
        z = np.asarray(layer.depth, np.float32)
        with np.errstate(invalid="ignore"):
            present = np.isfinite(z) & (z > 0)
        rgb = np.clip(np.nan_to_num(layer.rgb, nan=0.0), 0.0, 1.0)
        alpha = np.ones(shape, np.float32)
        if layer.alpha is not None:
            alpha = np.clip(np.nan_to_num(layer.alpha, nan=0.0), 0.0, 1.0).astype(np.float32)
            present &= alpha > 0
            has_alpha = has_alpha or bool((alpha[present] < 1).any())
        alpha = np.where(present, alpha, 0.0)
        planes = color[k, 1:-1, :, 1:-1]  # (H, 4, W)
        for c in range(3):
            planes[:, c] = rgb[..., c] * alpha
        planes[:, 3] = alpha
        depth[k, 1:-1, 1:-1][present] = z[present]
    grad = np.stack([np.concatenate([surface_gradient(z), surface_spread(z)[None]]) for z in depth])
    grad = np.ascontiguousarray(grad.transpose(0, 2, 1, 3))  # (L, Hp, 3, Wp)
    links = np.zeros(depth.shape, np.uint8)
    flags = np.zeros(depth.shape, np.uint8)
    _link(depth, grad, tol, links, flags)
    xn = (np.arange(-1, src.width + 1) - src.cx) / src.focal
    yn = (np.arange(-1, src.height + 1) - src.cy) / src.focal
    segments, starts = _segments(depth, GAP)  # (sparse layers' are not used)
    alpha = color[:, :, 3]
    clear = np.asarray(((alpha > 0) & (alpha < 1)).any(axis=2))  # (L, Hp): rows with soft alpha
    opaque = np.logical_not(clear)
    opaque[:, 1:] &= ~clear[:, :-1]
    opaque[:, :-1] &= ~clear[:, 1:]
    sparse = (depth > 0).mean(axis=(1, 2)) < SPARSE
    points = _points(depth, grad, links, flags, np.flatnonzero(sparse), xn, yn)
    return Source(
        depth,
        color,
        grad,
        links,
        flags,
        segments,
        starts,
        opaque,
        sparse,
        points,
        xn,
        yn,
        has_alpha,
    )
