"""Geometry for the layered depth image (see depthreel.ldi): padding, parallax, probes, depth."""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from depthreel.imaging import push_pull
from depthreel.render.project import project_points
from depthreel.scene import CameraPose, Intrinsics


def parallax_scale(
    poses: Sequence[CameraPose], src: Intrinsics, u: np.ndarray, v: np.ndarray
) -> np.ndarray:
    """Per pixel (u, v): the largest gap (px) per unit of inverse-depth difference on the path.

    Two points at one pixel with inverse depths d1 > d2 separate on screen, to first order,
    by (d1 - d2) * |(-f x + (u - cx) z, -f y + (v - cy) z)| for a camera translated by
    (x, y, z); rotation and zoom move both alike and open no gap.
    """
    scale = np.zeros(np.broadcast(u, v).shape, np.float32)
    f = src.focal
    for pose in poses:
        gx = (u - src.cx) * np.float32(pose.z) - np.float32(f * pose.x)
        gy = (v - src.cy) * np.float32(pose.z) - np.float32(f * pose.y)
        scale = np.maximum(scale, np.hypot(gx, gy))
    return scale


def border_padding(
    depth: np.ndarray,
    src: Intrinsics,
    poses: Sequence[CameraPose],
    margin: float,
    max_share: float,
) -> tuple[int, int, int, int]:
    """Pixels (left, top, right, bottom) the path uncovers beyond the photo's borders.

    Each border's pixels are projected into every pose (output camera = the photo's): how far
    the border moves inwards is the gap it opens there; `margin` px cover splat footprints.
    Each side is capped at `max_share` of the photo's larger side.
    """
    h, w = depth.shape
    step = max(1, max(h, w) // 256)
    rows = np.arange(0, h, step)
    cols = np.arange(0, w, step)
    n, m = len(rows), len(cols)
    u = np.concatenate([np.zeros(n, int), cols, np.full(n, w - 1), cols])
    v = np.concatenate([rows, np.zeros(m, int), rows, np.full(m, h - 1)])
    side = np.repeat(np.arange(4), [n, m, n, m])
    gaps = np.zeros(4)
    for pose in dict.fromkeys(poses):  # distinct poses, in order
        u2, v2, _ = project_points(u, v, depth[v, u], src, pose, src)
        inward = np.choose(side, [u2, v2, (w - 1) - u2, (h - 1) - v2])
        with np.errstate(invalid="ignore"):
            for k in range(4):
                values = inward[side == k]
                if np.isfinite(values).any():
                    gaps[k] = max(gaps[k], float(np.nanmax(values)) + 0.5)
    cap = int(max_share * max(h, w))
    pads = [0 if gap <= 0.0 else min(cap, math.ceil(gap + margin)) for gap in gaps]
    left, top, right, bottom = pads
    return left, top, right, bottom


def pad_photo(
    rgb: np.ndarray, inverse: np.ndarray, pad: tuple[int, int, int, int], fade: float
) -> tuple[np.ndarray, np.ndarray]:
    """The photo grown by `pad`: inverse depth repeats the border; colour continues it.

    Right at the border the colour repeats the border pixels, and over `fade` px it fades into
    a push-pull (smooth, unbiased) extrapolation: local detail continues for a few pixels, then
    a soft blur, never a long smear.
    """
    left, top, right, bottom = pad
    inverse = cv2.copyMakeBorder(inverse, top, bottom, left, right, cv2.BORDER_REPLICATE)
    canvas = cv2.copyMakeBorder(rgb, top, bottom, left, right, cv2.BORDER_CONSTANT, value=0)
    weight = np.zeros(inverse.shape, np.float32)
    weight[top : top + rgb.shape[0], left : left + rgb.shape[1]] = 1.0
    smooth = push_pull(canvas, weight)
    repeat = cv2.copyMakeBorder(rgb, top, bottom, left, right, cv2.BORDER_REPLICATE)
    outside = cv2.distanceTransform((weight == 0).astype(np.uint8), cv2.DIST_L2, 3)
    t = np.clip(outside / max(fade, 1.0), 0.0, 1.0)[..., None]
    return (repeat * (1.0 - t) + smooth * t).astype(np.float32), inverse


def surface_slope(
    inverse: np.ndarray, context: np.ndarray, min_step: float, size: int = 7
) -> np.ndarray:
    """(H, W, 2) local gradient of inverse depth along the context's surfaces.

    The mean of the neighbour differences within a size x size window that stay on a surface
    (relative change up to min_step) and inside the context, so the slope next to an edge is
    the background's own; 0 where the window has none.
    """
    h, w = inverse.shape
    slope = np.zeros((h, w, 2), np.float32)
    for channel, axis in ((0, 1), (1, 0)):
        diff = np.zeros((h, w), np.float32)
        ok = np.zeros((h, w), np.float32)
        step = np.diff(inverse, axis=axis)
        base = inverse[:, :-1] if axis == 1 else inverse[:-1]
        both = (context[:, :-1] & context[:, 1:]) if axis == 1 else (context[:-1] & context[1:])
        valid = both & (np.abs(step) <= min_step * base)
        target = (slice(None), slice(None, -1)) if axis == 1 else (slice(None, -1), slice(None))
        diff[target] = np.where(valid, step, 0.0)
        ok[target] = valid
        total = cv2.boxFilter(diff, -1, (size, size), normalize=False)
        count = cv2.boxFilter(ok, -1, (size, size), normalize=False)
        slope[..., channel] = total / np.maximum(count, 1.0)
    return slope


def parallax_map(poses: Sequence[CameraPose], src: Intrinsics, step: int = 8) -> np.ndarray:
    """parallax_scale over the whole (src.height, src.width) grid, from a grid `step` px apart.

    The scale is smooth (a maximum of norms of affine functions), so bilinear interpolation
    of the coarse grid is accurate to a fraction of a pixel of gap and many times cheaper.
    """
    h, w = src.height, src.width
    u = np.arange(0, w + step, step, dtype=np.float32)[None, :]
    v = np.arange(0, h + step, step, dtype=np.float32)[:, None]
    coarse = parallax_scale(poses, src, u, v)
    map_x = np.broadcast_to(np.arange(w, dtype=np.float32) / step, (h, w))
    map_y = np.broadcast_to(np.arange(h, dtype=np.float32)[:, None] / step, (h, w))
    return cv2.remap(
        coarse, np.ascontiguousarray(map_x), np.ascontiguousarray(map_y), cv2.INTER_LINEAR
    )


def choose_probes(poses: Sequence[CameraPose], src: Intrinsics, count: int) -> list[CameraPose]:
    """Up to `count` poses of the path that between them reveal the most.

    A pose's reach is its translation as screen motion per unit of inverse depth: (f x, f y)
    and z times the half diagonal. The farthest-reaching pose comes first, then greedily the
    pose farthest from those chosen (and from the photo's own camera), while it still reaches
    a quarter as far as the first: a sideways sweep gives both ends, a one-sided move one.
    """
    radius = 0.5 * math.hypot(src.width, src.height)
    reach = np.array([[src.focal * p.x, src.focal * p.y, radius * p.z] for p in poses])
    if not len(reach) or count <= 0:
        return []
    norm = np.linalg.norm(reach, axis=1)
    if norm.max() < 0.5:  # under half a pixel per unit inverse depth: nothing opens
        return []
    chosen = [int(np.argmax(norm))]
    nearest = np.minimum(norm, np.linalg.norm(reach - reach[chosen[0]], axis=1))
    while len(chosen) < count:
        best = int(np.argmax(nearest))
        if nearest[best] < 0.25 * norm[chosen[0]]:
            break
        chosen.append(best)
        nearest = np.minimum(nearest, np.linalg.norm(reach - reach[best], axis=1))
    return [poses[k] for k in chosen]


def _corners(
    shape: tuple[int, ...], x: np.ndarray, y: np.ndarray
) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[np.ndarray]]:
    """The four pixels around points (x, y) (clamped to the frame) and their bilinear weights."""
    h, w = shape[:2]
    x = np.clip(x, 0.0, w - 1.0)
    y = np.clip(y, 0.0, h - 1.0)
    x0 = np.minimum(x.astype(np.intp), max(w - 2, 0))
    y0 = np.minimum(y.astype(np.intp), max(h - 2, 0))
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    tx, ty = (x - x0).astype(np.float32), (y - y0).astype(np.float32)
    pixels = [(y0, x0), (y0, x1), (y1, x0), (y1, x1)]
    weights = [(1 - tx) * (1 - ty), tx * (1 - ty), (1 - tx) * ty, tx * ty]
    return pixels, weights


def sample(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear samples of image (H, W) or (H, W, C) at points (x, y), clamped to the frame."""
    pixels, weights = _corners(image.shape, x, y)
    total = np.zeros((len(x), *image.shape[2:]), np.float32)
    for p, k in zip(pixels, weights, strict=True):
        total += image[p] * (k[:, None] if image.ndim == 3 else k)
    return total


def sample_behind(
    image: np.ndarray, depth: np.ndarray, x: np.ndarray, y: np.ndarray, z: np.ndarray, tol: float
) -> tuple[np.ndarray, np.ndarray]:
    """Bilinear samples of image (H, W, C) at (x, y) from the pixels not in front of depth z.

    A pixel whose depth is positive and nearer than z / (1 + tol) occludes the point and does
    not count; the others are reweighted. Returns (values (N, C), the weight that counted).
    """
    pixels, weights = _corners(image.shape, x, y)
    values = np.zeros((len(x), image.shape[2]), np.float32)
    total = np.zeros(len(x), np.float32)
    for p, k in zip(pixels, weights, strict=True):
        d = depth[p]
        k = np.where((d > 0) & (d * (1.0 + tol) < z), 0.0, k + 1e-6).astype(np.float32)
        values += image[p] * k[:, None]
        total += k
    return values / np.maximum(total, 1e-12)[:, None], total


def extend_depth(
    inverse: np.ndarray, hidden: np.ndarray, owner: np.ndarray, behind: float, min_step: float
) -> np.ndarray:
    """Depth of the extension at the `hidden` pixels (inf elsewhere).

    Inverse depth is linear across a plane's image, so each hidden pixel continues the
    background at its edge pixel (`owner`: flat index into the grid) along the background's
    slope; it stays at least `behind` (relative) behind the foreground above it and no farther
    than twice the edge's own depth.
    """
    h, w = inverse.shape
    slope = surface_slope(inverse, ~hidden, min_step)
    ys, xs = np.nonzero(hidden)
    edge = owner[ys, xs]
    ey, ex = np.divmod(edge, w)
    base = inverse.ravel()[edge]
    grad = slope.reshape(-1, 2)[edge]
    value = base + grad[:, 0] * (xs - ex) + grad[:, 1] * (ys - ey)
    value = np.clip(value, 0.5 * base, inverse[ys, xs] / (1.0 + behind))
    depth = np.full((h, w), np.inf, np.float32)
    depth[ys, xs] = 1.0 / np.maximum(value, 1e-12)
    return depth
