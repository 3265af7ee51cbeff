"""Layered depth image: the photo plus the background hidden behind its foreground edges.

Built once per photo and camera path, on a grid that may extend beyond the photo's borders
(helpers in depthreel.layering):

1. Border: the grid is padded on every side by as much as the path uncovers there. The padding
   repeats the border's depth and gets a smooth extrapolation of its colours, so frame-border
   gaps show a soft continuation of the scene instead of a smear or a far-biased blot.
2. Depth ramps between a near and a far surface (blurred edges of estimated depth) snap to the
   nearer end, so an edge is one pixel wide instead of a rubber sheet; pixels already on either
   surface keep their depth.
3. Depth edges are the neighbour pairs whose parallax gap over the path exceeds `edge_px`;
   fragments under `min_edge` pixels are dropped (specks).
4. Behind every edge the background is extended under the foreground as far as the widest gap
   the path opens there (plus a margin). Its depth continues the background surface (inverse
   depth is extrapolated along the background's slope). Its colour comes from what the path
   reveals: the photo is rendered, unfilled, from a few extreme poses of the path (probes); the
   inpainter fills the holes there, in the view where they appear, from the covered pixels
   around them (the default one from the far side only); each extended pixel takes the colour
   at the spot where it lands in the first probe that reveals it. Extended pixels that no probe
   reveals are interpolated from those that are (or, without probes, inpainted in the photo's
   own view from the background side of the edges).
5. The foreground's outermost pixels are matted against the extension behind them (see
   depthreel.layering.matte_band): partial alpha where the colour is a mix, so hair and leaves
   blend over the new background, and the photo's own view is reproduced.

Two layers come out: the photo (with the soft band and the padding) and the extension (absent
except in the hidden band), which the renderer splats with one z-buffer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from depthreel.inpaint import Inpainter
from depthreel.inpaint.pyramid import far_push_pull
from depthreel.layering import (
    border_padding,
    choose_probes,
    extend_depth,
    pad_photo,
    parallax_map,
    parallax_scale,
    sample,
    sample_behind,
)
from depthreel.ldi_edges import (
    align_edges,
    assign_band,
    find_edges,
    nearest,
    sharpen_steps,
    snap_ramps,
)
from depthreel.render.project import project_points
from depthreel.render.renderer import Renderer
from depthreel.scene import CameraPose, Intrinsics, Layer

__all__ = [
    "LDI_VERSION",
    "LDIOptions",
    "LayeredDepthImage",
    "build_ldi",
    "parallax_scale",
    "sharpen_steps",
]

LDI_VERSION = 2  # part of the cache key: bump when the construction changes
FULL = 1.0 - 1e-3  # a probe pixel with less coverage is (partly) a hole
OCCLUDER = 0.1  # a probe pixel this much (relative) nearer than a point hides it


@dataclass(frozen=True)
class LDIOptions:
    """Knobs of the construction; the defaults suit 1080x1920 output."""

    edge_px: float = 1.0  # least parallax gap (px over the path) that makes a depth edge
    min_step: float = 0.04  # least relative inverse-depth step that can be an edge at all
    margin_px: float = 3.0  # extension beyond the widest gap
    min_edge: int = 6  # edge fragments with fewer pixels are specks
    soft_band: float = 0.5  # px either side of an edge where colour decides depth and alpha
    sharpen_radius: int = 4  # half-width of the depth ramps that get snapped to a step
    behind: float = 0.08  # the extension lies at least this much (relative) behind the front
    border: bool = True  # pad the grid where the path uncovers the photo's borders
    max_pad: float = 0.2  # padding per side at most this share of the photo's larger side
    border_fade: float = 8.0  # px over which the padding's colour fades from repeat to blur
    probes: int = 2  # extreme poses of the path rendered to see what it reveals (0: none)


@dataclass
class LayeredDepthImage:
    """The layers to render, and masks (on the layers' grid) that say where the build acted."""

    layers: list[Layer]
    camera: Intrinsics  # the layers' pixel grid (may be padded beyond the photo's borders)
    edges: np.ndarray  # (H, W) bool: background-side pixels of depth edges
    hidden: np.ndarray  # (H, W) bool: pixels with an extended background sample behind them
    pad: tuple[int, int, int, int] = (0, 0, 0, 0)  # left, top, right, bottom padding (px)

    @property
    def hidden_share(self) -> float:
        return float(self.hidden.mean())


def reveal(
    layer: Layer,
    src: Intrinsics,
    probes: Sequence[CameraPose],
    hidden: np.ndarray,
    ext_depth: np.ndarray,
    inpainter: Inpainter,
) -> tuple[np.ndarray, np.ndarray]:
    """Colour of the hidden pixels from the probes' inpainted holes, and which ones got one."""
    h, w = hidden.shape
    colour = np.zeros((h, w, 3), np.float32)
    known = np.zeros((h, w), bool)
    if not probes:
        return colour, known
    ys, xs = np.nonzero(hidden)
    zs = ext_depth[ys, xs]
    renderer = Renderer([layer], src, src, fill=False)
    todo = np.arange(len(ys))
    for pose in probes:
        view = renderer.render(pose)
        hole = view.coverage < FULL
        if not hole.any() or not len(todo):
            continue
        rgb = view.rgb / np.maximum(view.coverage, 1e-6)[..., None]
        filled, filled_depth = inpainter.inpaint(rgb, view.depth, hole, ~hole)
        u, v, z = project_points(xs[todo], ys[todo], zs[todo], src, pose, src)
        with np.errstate(invalid="ignore"):
            inside = (u >= 0) & (u <= w - 1) & (v >= 0) & (v <= h - 1)
        u, v, z = (np.where(inside, a, 0.0) for a in (u, v, z))
        inside &= sample(view.coverage, u, v) < FULL  # lands in (or at the rim of) a hole
        # Bilinear samples that skip the probe's pixels in front of the point: at a hole's
        # rim on the foreground's side, never the foreground's colour.
        values, weight = sample_behind(filled, filled_depth, u, v, z, OCCLUDER)
        inside &= weight > 0.25
        take = todo[inside]
        colour[ys[take], xs[take]] = values[inside]
        known[ys[take], xs[take]] = True
        todo = todo[~inside]
    return colour, known


def scaled(px: float, shape: tuple[int, ...]) -> float:
    """A length given for a 1024 px photo, at this photo's size (never below the given one)."""
    return px * max(1.0, max(shape[:2]) / 1024.0)


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
    rgb = np.asarray(rgb, np.float32)
    inverse = (1.0 / np.maximum(depth, 1e-6)).astype(np.float32)
    pad = (0, 0, 0, 0)
    if options.border:
        pad = border_padding(depth, src, poses, options.margin_px, options.max_pad)
    if any(pad):
        rgb, inverse = pad_photo(rgb, inverse, pad, scaled(options.border_fade, depth.shape))
        height, width = inverse.shape
        src = Intrinsics(src.focal, src.cx + pad[0], src.cy + pad[1], width, height)
    h, w = inverse.shape
    scale = parallax_map(poses, src)
    radius = round(scaled(options.sharpen_radius, depth.shape))
    inverse, unsure = snap_ramps(inverse, radius, options.min_step)
    edges, gap = find_edges(inverse, scale, options.edge_px, options.min_step, options.min_edge)
    alpha, colour, back = None, rgb, None
    if edges.any() and options.soft_band > 0:
        band = scaled(options.soft_band, depth.shape)
        inverse, alpha, colour, back = align_edges(
            rgb, inverse, edges, band, options.min_step, unsure
        )
        edges, gap = find_edges(inverse, scale, options.edge_px, options.min_step, options.min_edge)
    main_depth = (1.0 / inverse).astype(np.float32)
    if not edges.any():
        nothing = np.zeros((h, w), bool)
        return LayeredDepthImage([Layer(colour, main_depth, alpha)], src, nothing, nothing, pad)

    reach = np.where(edges, gap + options.margin_px, 0.0).astype(np.float32)
    hidden, owner = assign_band(inverse, edges, reach, options.min_step)
    if back is not None:
        fringe = np.isfinite(back[..., 0])
        if alpha is not None:
            alpha = np.where(fringe & ~hidden, 1.0, alpha).astype(np.float32)
            colour = np.where((fringe & ~hidden)[..., None], rgb, colour)
    ext_depth = extend_depth(inverse, hidden, owner, options.behind, options.min_step)

    probes = choose_probes(poses, src, options.probes)
    ext_rgb, known = reveal(Layer(rgb, main_depth), src, probes, hidden, ext_depth, inpainter)
    if back is not None:  # behind the soft fringe: the background colour it was mixed with
        fringe = np.isfinite(back[..., 0]) & hidden
        ext_rgb[fringe] = back[fringe]
        known |= fringe
    if known.any():
        ext_rgb, _ = far_push_pull(ext_rgb, np.ones((h, w), np.float32), known, np.inf)
    else:
        # No probe sees anything: inpaint in the photo's view from the background side of the
        # edges (not the edge pixels, whose colour is often a mix of both sides).
        dist, index = nearest(edges)
        nearer = inverse > inverse.ravel()[index] * (1.0 + options.min_step)
        context = ~hidden & ~edges & ~nearer & (dist <= float(reach.max()) + 8.0)
        ext_rgb, _ = inpainter.inpaint(rgb, main_depth, hidden, context)
    ext_rgb = np.where(hidden[..., None], ext_rgb, 0.0).astype(np.float32)
    layers = [Layer(colour, main_depth, alpha), Layer(ext_rgb, ext_depth)]
    return LayeredDepthImage(layers, src, edges, hidden, pad)
