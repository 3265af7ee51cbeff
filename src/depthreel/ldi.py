"""Layered depth image: the photo plus the background hidden behind its foreground edges.

Built once per photo and camera path, on the renderer's source grid:

1. Depth steps are sharpened: pixels on a blurred ramp between a near and a far surface snap
   to the nearer of the two, so an edge is one pixel wide instead of a rubber sheet.
2. Depth edges are the neighbour pairs whose parallax gap over the path (the distance that
   opens between them, in pixels) exceeds `edge_px`; edge fragments shorter than `min_edge`
   pixels (specks) are dropped.
3. Behind every edge, the background is extended under the foreground as far as the widest gap
   the path opens there (plus a margin). The hidden band gets colour and depth from an
   inpainter that may only copy from the background side, never from the foreground.
4. The foreground's outermost pixels get a soft alpha so hair and leaves blend over the
   extended background instead of leaving a hard halo or a ghost copy.

The result is two layers: the photo (with the soft band) and the extension (absent except in
the hidden band), which the renderer splats with one z-buffer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from depthreel.inpaint import Inpainter
from depthreel.scene import CameraPose, Intrinsics, Layer

LDI_VERSION = 1  # part of the cache key: bump when the construction changes


@dataclass(frozen=True)
class LDIOptions:
    """Knobs of the construction; the defaults suit 1080x1920 output."""

    edge_px: float = 1.0  # least parallax gap (px over the path) that makes a depth edge
    min_step: float = 0.04  # least relative inverse-depth step that can be an edge at all
    margin_px: float = 3.0  # extension beyond the widest gap
    min_edge: int = 6  # edge fragments with fewer pixels are specks
    soft_band: int = 2  # foreground pixels (from the edge) that get partial alpha
    sharpen_radius: int = 2  # half-width of the ramps that get snapped to a step
    behind: float = 0.08  # the extension lies at least this much (relative) behind the front


@dataclass
class LayeredDepthImage:
    """The layers to render, and masks that say where the construction acted."""

    layers: list[Layer]
    camera: Intrinsics  # the layers' pixel grid (may be padded beyond the photo's borders)
    edges: np.ndarray  # (H, W) bool: background-side pixels of depth edges
    hidden: np.ndarray  # (H, W) bool: pixels with an extended background sample behind them

    @property
    def hidden_share(self) -> float:
        return float(self.hidden.mean())


def parallax_scale(
    poses: Sequence[CameraPose], src: Intrinsics, u: np.ndarray, v: np.ndarray
) -> np.ndarray:
    """Per pixel (u, v): the largest gap (px) per unit of inverse-depth difference on the path.

    Two points at one pixel with inverse depths d1 > d2 separate on screen, to first order,
    by (d1 - d2) * |(-f x + (u - cx) z, -f y + (v - cy) z)| for a camera translated by
    (x, y, z); rotation and zoom move both alike and open no gap.
    """
    scale = np.zeros(u.shape, np.float64)
    f = src.focal
    for pose in poses:
        gx = -f * pose.x + (u - src.cx) * pose.z
        gy = -f * pose.y + (v - src.cy) * pose.z
        scale = np.maximum(scale, np.hypot(gx, gy))
    return scale.astype(np.float32)


def sharpen_steps(inverse: np.ndarray, radius: int, min_step: float) -> np.ndarray:
    """Snap pixels on steep ramps to the nearer end (local max or min of inverse depth).

    Only where the local range is a real step (relative change above `min_step` within the
    window), so smooth slopes such as the ground keep their gradient.
    """
    size = 2 * radius + 1
    kernel = np.ones((size, size), np.uint8)
    high = cv2.dilate(inverse, kernel)
    low = cv2.erode(inverse, kernel)
    step = (high - low) > min_step * np.maximum(high, 1e-12) * 2.5
    snap_high = (inverse - low) >= (high - inverse)
    sharpened = np.where(snap_high, high, low)
    return np.where(step, sharpened, inverse).astype(np.float32)


def find_edges(
    inverse: np.ndarray, scale: np.ndarray, options: LDIOptions
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Background-side edge pixels, the inverse depth of the foreground facing each, and the gap.

    Returns (edges, front, gap): edges (H, W) bool; front (H, W) float32 = the largest inverse
    depth among the 4-neighbours of an edge pixel; gap (H, W) float32 = the widest opening (px)
    the path makes at that edge. front and gap are 0 off the edges.
    """
    h, w = inverse.shape
    padded = np.pad(inverse, 1, mode="edge")
    neighbours = np.stack(
        [padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:]], axis=0
    )
    front = neighbours.max(axis=0)
    step = front - inverse
    gap = step * scale
    edges = (gap >= options.edge_px) & (step > options.min_step * front)
    if options.min_edge > 1 and edges.any():
        _, labels, stats, _ = cv2.connectedComponentsWithStats(
            edges.astype(np.uint8), connectivity=8
        )
        small = stats[:, cv2.CC_STAT_AREA] < options.min_edge
        small[0] = False
        edges &= ~small[labels]
    front = np.where(edges, front, 0.0).astype(np.float32)
    gap = np.where(edges, gap, 0.0).astype(np.float32)
    del h, w
    return edges, front, gap


def build_ldi(
    rgb: np.ndarray,
    depth: np.ndarray,
    src: Intrinsics,
    poses: Sequence[CameraPose],
    inpainter: Inpainter,
    options: LDIOptions | None = None,
) -> LayeredDepthImage:
    """The layered depth image of `rgb` (H, W, 3) with depth Z `depth` for the given path."""
    options = options or LDIOptions()
    h, w = depth.shape
    inverse = (1.0 / np.maximum(depth, 1e-6)).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    scale = parallax_scale(poses, src, xx, yy)
    inverse = sharpen_steps(inverse, options.sharpen_radius, options.min_step)
    main_depth = (1.0 / inverse).astype(np.float32)
    edges, _, gap = find_edges(inverse, scale, options)
    if not edges.any():
        nothing = np.zeros((h, w), bool)
        return LayeredDepthImage([Layer(rgb, main_depth)], src, nothing, nothing)

    # Distance from every pixel to its nearest edge pixel, and which edge pixel that is.
    dist, labels = cv2.distanceTransformWithLabels(
        (~edges).astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
    )
    order = np.flatnonzero(edges.ravel())  # label k (1-based) is the k-th edge pixel
    index = order[labels.ravel() - 1].reshape(h, w)
    back_inverse = inverse.ravel()[index]  # the background's inverse depth at that edge
    reach = gap.ravel()[index] + options.margin_px
    nearer = inverse > back_inverse * (1.0 + options.min_step)
    hidden = nearer & (dist <= reach)

    # Context: background-side pixels near the edges (not the edge pixels themselves, whose
    # colour is often a mix of both sides).
    context_reach = reach + 2.0 * options.margin_px + 4.0
    context = ~hidden & ~nearer & (dist >= 3.0) & (dist <= context_reach)
    fill_rgb, fill_depth = inpainter.inpaint(rgb, main_depth, hidden, context)

    # The extension continues the background surface: its depth is the inpainted one, but
    # never nearer than the edge's background nor than `behind` behind the foreground.
    ext_depth = np.maximum(fill_depth, 1.0 / np.maximum(back_inverse, 1e-6))
    ext_depth = np.maximum(ext_depth, main_depth * (1.0 + options.behind))
    ext_depth = np.where(hidden, ext_depth, np.inf).astype(np.float32)
    ext_rgb = np.where(hidden[..., None], fill_rgb, 0.0).astype(np.float32)

    alpha = np.ones((h, w), np.float32)
    if options.soft_band > 0:
        band = hidden & (dist <= options.soft_band + 0.5)
        ramp = 0.5 + 0.5 * (dist - 1.0) / max(options.soft_band, 1)
        alpha = np.where(band, np.clip(ramp, 0.5, 1.0), 1.0).astype(np.float32)
    layers = [Layer(rgb, main_depth, alpha), Layer(ext_rgb, ext_depth)]
    return LayeredDepthImage(layers, src, edges, hidden)
