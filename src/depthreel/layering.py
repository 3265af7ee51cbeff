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
    sides = [
        (np.zeros_like(rows), rows),  # left
        (cols, np.zeros_like(cols)),  # top
        (np.full_like(rows, w - 1), rows),  # right
        (cols, np.full_like(cols, h - 1)),  # bottom
    ]
    cap = int(max_share * max(h, w))
    pads = []
    for side, (u, v) in enumerate(sides):
        gap = 0.0
        for pose in poses:
            u2, v2, _ = project_points(u, v, depth[v, u], src, pose, src)
            moved = (u2, v2, (w - 1) - u2, (h - 1) - v2)[side]
            if np.isfinite(moved).any():
                gap = max(gap, float(np.nanmax(moved)) + 0.5)
        pads.append(0 if gap <= 0.0 else min(cap, math.ceil(gap + margin)))
    left, top, right, bottom = pads
    return left, top, right, bottom


def pad_photo(
    rgb: np.ndarray, inverse: np.ndarray, pad: tuple[int, int, int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """The photo grown by `pad`: inverse depth repeats the border, colour is push-pull smoothed."""
    left, top, right, bottom = pad
    inverse = cv2.copyMakeBorder(inverse, top, bottom, left, right, cv2.BORDER_REPLICATE)
    canvas = cv2.copyMakeBorder(rgb, top, bottom, left, right, cv2.BORDER_CONSTANT, value=0)
    weight = np.zeros(inverse.shape, np.float32)
    weight[top : top + rgb.shape[0], left : left + rgb.shape[1]] = 1.0
    return push_pull(canvas, weight), inverse


def surface_slope(inverse: np.ndarray, context: np.ndarray, min_step: float) -> np.ndarray:
    """(H, W, 2) smooth gradient of inverse depth along the context's surfaces (push-pull).

    Differences across a depth step (relative change above min_step) or leaving the context
    do not count, so the slope is the background's own, and it is defined everywhere.
    """
    h, w = inverse.shape
    grad = np.zeros((h, w, 2), np.float32)
    weight = np.zeros((h, w), np.float32)
    for axis in (1, 0):
        diff = np.diff(inverse, axis=axis)
        a = inverse[:, :-1] if axis == 1 else inverse[:-1]
        ok = np.abs(diff) <= min_step * a
        ok &= (context[:, :-1] & context[:, 1:]) if axis == 1 else (context[:-1] & context[1:])
        channel = 0 if axis == 1 else 1
        if axis == 1:
            grad[:, :-1, channel] = np.where(ok, diff, 0.0)
            weight[:, :-1] += ok
        else:
            grad[:-1, :, channel] = np.where(ok, diff, 0.0)
            weight[:-1] += ok
    valid = weight >= 2  # both differences known (a conservative interior)
    if not valid.any():
        return np.zeros((h, w, 2), np.float32)
    return push_pull(np.where(valid[..., None], grad, 0.0).astype(np.float32), valid * 1.0)


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


def sample(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear samples of image (H, W) or (H, W, C) at points (x, y), clamped to the frame."""
    h, w = image.shape[:2]
    x = np.clip(x, 0.0, w - 1.0)
    y = np.clip(y, 0.0, h - 1.0)
    x0 = np.minimum(x.astype(np.intp), max(w - 2, 0))
    y0 = np.minimum(y.astype(np.intp), max(h - 2, 0))
    x1 = np.minimum(x0 + 1, w - 1)
    y1 = np.minimum(y0 + 1, h - 1)
    tx = (x - x0).astype(np.float32)
    ty = (y - y0).astype(np.float32)
    if image.ndim == 3:
        tx, ty = tx[:, None], ty[:, None]
    top = image[y0, x0] * (1 - tx) + image[y0, x1] * tx
    bottom = image[y1, x0] * (1 - tx) + image[y1, x1] * tx
    return (top * (1 - ty) + bottom * ty).astype(np.float32)


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
