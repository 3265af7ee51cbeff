"""Building blocks of the layered depth image (see depthreel.ldi): geometry, edges, matting."""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from depthreel.imaging import push_pull
from depthreel.render.project import project_points
from depthreel.scene import CameraPose, Intrinsics

MATTE_CONTRAST = 0.2  # least colour distance |F - B| (of 1) at which alpha can be told
MATTE_MIN = 0.3  # a band pixel less foreground than this stays opaque (unclear)

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
    the border moves inwards is the gap it opens there; `margin` px cover splat footprints. Each side is capped at
    `max_share` of the photo's larger side.
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


def sharpen_steps(inverse: np.ndarray, radius: int, min_step: float) -> np.ndarray:
    """Snap pixels on steep ramps to the nearer end (local max or min of inverse depth).

    A ramp pixel lies strictly between its two neighbours along a row or a column, differing
    from each by a quarter of `min_step` (relative) or more, inside a window (2 radius + 1
    wide) that spans a real step. Pixels on a plateau, even next to a crisp edge or between
    two objects, and smooth slopes such as the ground keep their depth.
    """
    if radius <= 0:
        return inverse
    size = 2 * radius + 1
    kernel = np.ones((size, size), np.uint8)
    high = cv2.dilate(inverse, kernel)
    low = cv2.erode(inverse, kernel)
    span = high - low
    step = span > min_step * np.maximum(high, 1e-12) * 2.5
    padded = np.pad(inverse, 1, mode="edge")
    delta = 0.25 * min_step * inverse
    ramp = np.zeros(inverse.shape, bool)
    for before, after in (
        (padded[1:-1, :-2], padded[1:-1, 2:]),
        (padded[:-2, 1:-1], padded[2:, 1:-1]),
    ):
        rising = (inverse - before > delta) & (after - inverse > delta)
        falling = (before - inverse > delta) & (inverse - after > delta)
        ramp |= rising | falling
    ramp &= step
    t = (inverse - low) / np.maximum(span, 1e-12)
    sharpened = np.where(t >= 0.5, high, low)
    return np.where(ramp, sharpened, inverse).astype(np.float32)


def find_edges(
    inverse: np.ndarray, scale: np.ndarray, edge_px: float, min_step: float, min_edge: int
) -> tuple[np.ndarray, np.ndarray]:
    """Background-side edge pixels and the widest gap (px) the path opens at each.

    An edge pixel has a 4-neighbour nearer by more than `min_step` (relative) whose parallax
    gap over the path reaches `edge_px`. Returns (edges bool, gap float32, 0 off the edges).
    """
    padded = np.pad(inverse, 1, mode="edge")
    front = np.maximum(
        np.maximum(padded[:-2, 1:-1], padded[2:, 1:-1]),
        np.maximum(padded[1:-1, :-2], padded[1:-1, 2:]),
    )
    step = front - inverse
    gap = step * scale
    edges = (gap >= edge_px) & (step > min_step * front)
    if min_edge > 1 and edges.any():
        _, labels, stats, _ = cv2.connectedComponentsWithStats(edges.astype(np.uint8), 8)
        small = stats[:, cv2.CC_STAT_AREA] < min_edge
        small[0] = False
        edges &= ~small[labels]
    return edges, np.where(edges, gap, 0.0).astype(np.float32)


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


def matte_band(
    rgb: np.ndarray, back: np.ndarray, band: np.ndarray, interior: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Alpha and un-mixed colour of the foreground's band pixels over the background `back`.

    The foreground's own colour F is that of the nearest interior pixel, B the background
    behind. A band pixel I that is clearly a mix of the two (F and B differ by MATTE_CONTRAST,
    I lies near the segment between them, at least MATTE_MIN of the way to F) gets alpha =
    <I - B, F - B> / |F - B|^2 and colour (I - (1 - alpha) B) / alpha, so compositing it over
    B gives I back. Any other pixel stays opaque: guessing alpha from a textured foreground
    or a poor background estimate costs more than the hard edge.
    """
    alpha = np.ones(band.shape, np.float32)
    colour = rgb.copy()
    if not band.any() or not interior.any():
        return colour, alpha
    _, labels = cv2.distanceTransformWithLabels(
        (~interior).astype(np.uint8), cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL
    )
    order = np.flatnonzero(interior.ravel())
    ys, xs = np.nonzero(band)
    nearest = order[labels[ys, xs] - 1]
    fg = rgb.reshape(-1, 3)[nearest]
    bg = back[ys, xs]
    image = rgb[ys, xs]
    span = fg - bg
    norm = (span * span).sum(axis=1)
    a = ((image - bg) * span).sum(axis=1) / np.maximum(norm, 1e-12)
    off = image - bg - a[:, None] * span  # the part of I off the line from B to F
    mixed = (norm > MATTE_CONTRAST**2) & (a > MATTE_MIN) & (a < 1.0)
    mixed &= (off * off).sum(axis=1) < 0.25 * norm
    a = np.where(mixed, a, 1.0).astype(np.float32)
    unmixed = (image - (1.0 - a[:, None]) * bg) / np.maximum(a[:, None], 1e-3)
    alpha[ys, xs] = a
    colour[ys, xs] = np.clip(unmixed, 0.0, 1.0)
    return colour, alpha


def choose_probes(
    poses: Sequence[CameraPose], src: Intrinsics, count: int
) -> list[CameraPose]:
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
    inverse: np.ndarray,
    nearer: np.ndarray,
    hidden: np.ndarray,
    index: np.ndarray,
    behind: float,
    min_step: float,
) -> np.ndarray:
    """Depth of the extension at the `hidden` pixels (inf elsewhere).

    Inverse depth is linear across a plane's image, so each hidden pixel continues the
    background at its nearest edge pixel (flat `index` into the grid) along the background's
    slope; it stays at least `behind` (relative) behind the foreground above it and no farther
    than twice the edge's own depth.
    """
    h, w = inverse.shape
    slope = surface_slope(inverse, ~nearer, min_step)
    ys, xs = np.nonzero(hidden)
    edge = index[ys, xs]
    ey, ex = np.divmod(edge, w)
    base = inverse.ravel()[edge]
    grad = slope.reshape(-1, 2)[edge]
    value = base + grad[:, 0] * (xs - ex) + grad[:, 1] * (ys - ey)
    value = np.clip(value, 0.5 * base, inverse[ys, xs] / (1.0 + behind))
    depth = np.full((h, w), np.inf, np.float32)
    depth[ys, xs] = 1.0 / np.maximum(value, 1e-12)
    return depth
