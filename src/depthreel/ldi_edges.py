"""Depth edges of the layered depth image (see depthreel.ldi): find, align with colour, band.

Estimated depth has soft, slightly misplaced steps (a few pixels of ramp after resizing and
guided upsampling, a colour edge blurred by the resize): pixels with the foreground's colour
end up with the background's depth and would stay behind as a ghost, or feed the background's
fill. So steps are snapped (`snap_ramps`), then every pixel near an edge is given to the side
whose colour it has, with partial alpha where it is a mix (`align_edges`), before the hidden
band behind each edge is marked (`assign_band`).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

MATTE_CONTRAST = 0.2  # least colour distance |F - B| (of 1) at which a pixel's side can be told
ALPHA_MIN = 0.05  # a pixel less foreground than this is background
ALPHA_FULL = 0.9  # a pixel at least this much foreground is opaque foreground


def nearest(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance from every pixel to the nearest True pixel of `mask`, and its flat index."""
    dist, labels = cv2.distanceTransformWithLabels(
        (~mask).astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
    )
    order = np.flatnonzero(mask.ravel())  # label k (1-based) is the k-th True pixel
    return dist, order[labels - 1]


def sharpen_steps(inverse: np.ndarray, radius: int, min_step: float) -> np.ndarray:
    """The inverse depth with its ramps snapped to steps (see snap_ramps)."""
    return snap_ramps(inverse, radius, min_step)[0]


def snap_ramps(inverse: np.ndarray, radius: int, min_step: float) -> tuple[np.ndarray, np.ndarray]:
    """Snap pixels on steep ramps to the nearer end (local max or min of inverse depth).

    A ramp pixel lies strictly between its two neighbours along a row or a column, differing
    from each by a quarter of `min_step` (relative) or more, inside a window (2 radius + 1
    wide) that spans a real step. Pixels on a plateau, even next to a crisp edge or between
    two objects, and smooth slopes such as the ground keep their depth. Returns the snapped
    inverse depth and the mask of the pixels that moved (where depth and colour may disagree).
    """
    if radius <= 0:
        return inverse, np.zeros(inverse.shape, bool)
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
    return np.where(ramp, sharpened, inverse).astype(np.float32), ramp


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
        _, labels, stats, _ = cv2.connectedComponentsWithStats(
            edges.astype(np.uint8), connectivity=8
        )
        small = stats[:, cv2.CC_STAT_AREA] < min_edge
        small[0] = False
        edges &= ~small[labels]
    return edges, np.where(edges, gap, 0.0).astype(np.float32)


def align_edges(
    rgb: np.ndarray,
    inverse: np.ndarray,
    edges: np.ndarray,
    radius: float,
    min_step: float,
    unsure: np.ndarray,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]:
    """Give the pixels near an edge to the side whose colour they have.

    Near: within `radius` of an edge pixel, or within `radius` of an `unsure` pixel (one whose
    depth was a ramp, see snap_ramps) that is itself within 4 radius of an edge: crisp depth
    is trusted, soft depth is re-cut along the colours.

    F and B are the (3x3 mean) colours of the nearest pixels just outside that zone on the
    near and the far side. A pixel I whose colour can be told apart (|F - B| >= MATTE_CONTRAST,
    I near the segment from B to F) is foreground for alpha = <I - B, F - B> / |F - B|^2 at
    least ALPHA_MIN and takes the near side's depth, else the far side's. Foreground pixels
    under ALPHA_FULL stay partly transparent with the colour (I - (1 - alpha) B) / alpha, so
    over B they give I back while their background part never moves with them.

    Returns (inverse depth, alpha or None, colour, back): `back` (H, W, 3) holds B where alpha
    < 1 (the background estimate behind the fringe), NaN elsewhere.
    """
    h, w = inverse.shape
    back = np.full((h, w, 3), np.nan, np.float32)
    dist, index = nearest(edges)
    far = inverse.ravel()[index]
    near_side = inverse > far * (1.0 + min_step)
    zone = dist <= radius + 0.5
    if unsure.any():
        size = 2 * math.ceil(radius) + 1
        grown = cv2.dilate(unsure.astype(np.uint8), np.ones((size, size), np.uint8)) > 0
        zone |= grown & (dist <= 4.0 * radius + 0.5)
    outer = cv2.dilate(zone.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    outer &= ~zone
    front, behind = outer & near_side, outer & ~near_side & ~edges
    if not front.any() or not behind.any():
        return inverse, None, rgb, back
    _, fi = nearest(front)
    _, bi = nearest(behind)
    ys, xs = np.nonzero(zone)
    smooth = cv2.blur(rgb, (3, 3)).reshape(-1, 3)
    fg, bg = smooth[fi[ys, xs]], smooth[bi[ys, xs]]
    image = rgb[ys, xs]
    span = fg - bg
    norm = (span * span).sum(axis=1)
    a = ((image - bg) * span).sum(axis=1) / np.maximum(norm, 1e-12)
    off = image - bg - a[:, None] * span
    clear = (norm >= MATTE_CONTRAST**2) & ((off * off).sum(axis=1) <= 0.25 * norm)
    to_front = clear & (a >= ALPHA_MIN)
    to_back = clear & (a < ALPHA_MIN)
    flat = inverse.ravel()
    aligned = inverse.copy()
    aligned[ys[to_front], xs[to_front]] = flat[fi[ys, xs][to_front]]
    aligned[ys[to_back], xs[to_back]] = flat[bi[ys, xs][to_back]]
    soft = to_front & (a < ALPHA_FULL)
    if not soft.any():
        return aligned, None, rgb, back
    alpha = np.ones((h, w), np.float32)
    colour = rgb.copy()
    a, sy, sx, b = a[soft, None], ys[soft], xs[soft], bg[soft]
    alpha[sy, sx] = a[:, 0]
    colour[sy, sx] = np.clip((image[soft] - (1.0 - a) * b) / a, 0.0, 1.0)
    back[sy, sx] = b
    return aligned, alpha, colour, back


def assign_band(
    inverse: np.ndarray, edges: np.ndarray, reach: np.ndarray, min_step: float
) -> tuple[np.ndarray, np.ndarray]:
    """The hidden band: pixels in front of an edge's background within that edge's reach.

    reach (H, W) is how far (px) the background must extend behind each edge pixel. A pixel is
    in the band of an edge pixel e if it lies within reach[e] of e and is nearer than e by more
    than min_step. Edges are taken from the widest reach down (in octaves), so a small bump
    inside an object cannot claim the pixels that a big edge around it must cover. Returns
    (hidden bool, flat index of each hidden pixel's edge pixel, -1 elsewhere).
    """
    h, w = inverse.shape
    owner = np.full((h, w), -1, np.intp)
    ys, xs = np.nonzero(edges)
    octave = np.floor(np.log2(np.maximum(reach[ys, xs], 1.0))).astype(int)
    flat_inverse, flat_reach = inverse.ravel(), reach.ravel()
    for level in sorted(set(octave.tolist()), reverse=True):
        pick = octave == level
        gy, gx = ys[pick], xs[pick]
        r = math.ceil(float(reach[gy, gx].max())) + 1
        y0, y1 = max(int(gy.min()) - r, 0), min(int(gy.max()) + r + 1, h)
        x0, x1 = max(int(gx.min()) - r, 0), min(int(gx.max()) + r + 1, w)
        group = np.zeros((y1 - y0, x1 - x0), bool)
        group[gy - y0, gx - x0] = True
        dist, local = nearest(group)
        ly, lx = np.divmod(local, x1 - x0)
        index = (ly + y0) * w + (lx + x0)
        window = (slice(y0, y1), slice(x0, x1))
        take = (owner[window] < 0) & (dist <= flat_reach[index])
        take &= inverse[window] > flat_inverse[index] * (1.0 + min_step)
        owner[window][take] = index[take]
    return owner >= 0, owner
