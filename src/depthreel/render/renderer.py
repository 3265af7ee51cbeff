"""The renderer's public API: render views of a layered scene from new camera poses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from depthreel.render.composite import resolve
from depthreel.render.fill import fill_frame, pyramid_shapes, tile_shape
from depthreel.render.project import camera_params
from depthreel.render.splat import EMPTY, splat
from depthreel.scene import CameraPose, Intrinsics, Layer

DEFAULT_Z_TOLERANCE = 0.03
"""Samples within 3 % of the nearest depth at a pixel blend as one surface."""

SURFACE_STEP = 0.05
"""Neighbouring samples whose depths differ by less than 5 % lie on one (slanted) surface."""


@dataclass
class View:
    """One rendered frame.

    rgb: (H, W, 3) float32 in [0, 1], holes filled. depth: (H, W) float32 depth of the visible
    surface along the new camera's axis, holes filled. coverage: (H, W) float32 in [0, 1], how
    much real (splatted) content each pixel got before filling; 1 - coverage of each pixel's
    colour came from the fill. Rendered with fill=False, rgb is premultiplied by coverage
    (holes are black) and depth is 0 where nothing landed.
    """

    rgb: np.ndarray
    depth: np.ndarray
    coverage: np.ndarray

    @classmethod
    def empty(cls, height: int, width: int) -> View:
        """Uninitialised buffers of the right shape, to pass to Renderer.render(into=...)."""
        return cls(
            np.empty((height, width, 3), np.float32),
            np.empty((height, width), np.float32),
            np.empty((height, width), np.float32),
        )


def _pack_layers(layers: Sequence[Layer], src: Intrinsics) -> tuple[np.ndarray, np.ndarray, bool]:
    """Stack layers into (L, H, W) depth and (L, H, W, 4) premultiplied rgba.

    Absent samples (depth not finite or <= 0, or alpha 0) get depth 0. The flag says whether
    any present sample is partly transparent.
    """
    if not layers:
        raise ValueError("Renderer needs at least one layer")
    shape = (src.height, src.width)
    depth = np.zeros((len(layers), *shape), np.float32)
    color = np.empty((len(layers), *shape, 4), np.float32)
    has_alpha = False
    for k, layer in enumerate(layers):
        if layer.depth.shape != shape:
            raise ValueError(f"layer {k} is {layer.depth.shape}, source intrinsics say {shape}")
        z = np.asarray(layer.depth, np.float32)
        with np.errstate(invalid="ignore"):
            present = np.isfinite(z) & (z > 0)
        color[k, ..., :3] = np.clip(np.nan_to_num(layer.rgb, nan=0.0), 0.0, 1.0)
        if layer.alpha is None:
            color[k, ..., 3] = 1.0
        else:
            alpha = np.clip(np.nan_to_num(layer.alpha, nan=0.0), 0.0, 1.0)
            color[k, ..., 3] = alpha
            color[k, ..., :3] *= alpha[..., None]
            present &= alpha > 0
            has_alpha = has_alpha or bool((alpha[present] < 1).any())
        depth[k][present] = z[present]
    return depth, color, has_alpha


def _row_spans(depth: np.ndarray) -> np.ndarray:
    """(L, H, 2) int64: per layer and row, the columns [first, last + 1) holding samples.

    A sparse foreground layer then costs little more than its own samples.
    """
    present = depth > 0
    width = depth.shape[2]
    first = np.where(present.any(axis=2), present.argmax(axis=2), width)
    last = width - present[..., ::-1].argmax(axis=2)
    return np.stack([first, np.where(first < width, last, width)], axis=-1).astype(np.int64)


def surface_gradient(depth: np.ndarray) -> np.ndarray:
    """(2, H, W) dZ/du, dZ/dv of a depth map (0 = absent) along continuous surfaces.

    The mean of the forward and backward differences that stay on the surface (a step below
    SURFACE_STEP); a step across a depth edge counts as no slope, so a splat never stretches
    over a disocclusion.
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


class Renderer:
    """Renders many views of the same layers; all scratch buffers are allocated once.

    layers share the source grid described by `src`; `out` gives the output camera and size
    (usually the source minus a centred margin: out.cx = src.cx - margin_x). z_tolerance is the
    relative depth difference within which samples count as one surface. With fill=False,
    holes are left uncovered (see View).

    Not thread-safe: one render at a time per Renderer. The Numba kernels release the GIL, so a
    render in one thread overlaps with encoding in another.
    """

    def __init__(
        self,
        layers: Sequence[Layer],
        src: Intrinsics,
        out: Intrinsics,
        fill: bool = True,
        z_tolerance: float = DEFAULT_Z_TOLERANCE,
    ) -> None:
        if out.width < 1 or out.height < 1:
            raise ValueError(f"output size must be positive, got {out.width}x{out.height}")
        self.src, self.out, self.fill = src, out, fill
        self.z_tolerance = float(z_tolerance)
        self._depth, self._color, self._has_alpha = _pack_layers(layers, src)
        self._spans = _row_spans(self._depth)
        # (L, Hs, 2, Ws): each source row's gradients contiguous for the kernels.
        self._grad = np.ascontiguousarray(
            np.stack([surface_gradient(z) for z in self._depth]).transpose(0, 2, 1, 3)
        )
        self._xn = ((np.arange(src.width) - src.cx) / src.focal).astype(np.float64)
        self._yn = ((np.arange(src.height) - src.cy) / src.focal).astype(np.float64)
        h, w = out.height, out.width
        self._state = np.zeros((h, w, 8), np.float32)
        self._state[..., :2] = EMPTY
        self._back = np.zeros((h, w, 4), np.float32)
        self._row_holes = np.zeros(h, np.bool_)
        self._tile_holes = np.zeros(tile_shape(h, w), np.bool_)
        self._pyramid = [np.zeros((ph, pw, 5), np.float32) for ph, pw in pyramid_shapes(h, w)]

    def render(self, pose: CameraPose, into: View | None = None) -> View:
        """Render the view from `pose`.

        Writes into `into` (e.g. View.empty(out.height, out.width), recycled by the caller) when
        given, else into new arrays; the returned View does not alias the Renderer's scratch.
        """
        h, w = self.out.height, self.out.width
        view = into if into is not None else View.empty(h, w)
        for array, shape in ((view.rgb, (h, w, 3)), (view.depth, (h, w)), (view.coverage, (h, w))):
            if array.shape != shape or array.dtype != np.float32 or not array.flags.c_contiguous:
                raise ValueError(f"View buffers must be C-contiguous float32 of shape {shape}")
        cam = tuple(camera_params(pose, self.src, self.out).tolist())
        splat(
            self._depth,
            self._spans,
            self._grad,
            self._color,
            self._xn,
            self._yn,
            cam,
            self.z_tolerance,
            self._has_alpha,
            self._state,
            self._back,
        )
        holes = resolve(
            self._state,
            self._back,
            self._has_alpha,
            view.rgb,
            view.depth,
            view.coverage,
            self._row_holes,
            self._tile_holes,
        )
        if self.fill and holes:
            fill_frame(
                view.rgb,
                view.depth,
                view.coverage,
                self._row_holes,
                self._tile_holes,
                self._pyramid,
            )
        else:
            self._row_holes[:] = False
            self._tile_holes[:] = False
        return view


def render_view(
    layers: Sequence[Layer],
    src: Intrinsics,
    pose: CameraPose,
    out: Intrinsics,
    fill: bool = True,
) -> View:
    """Render a single view (builds a throwaway Renderer)."""
    return Renderer(layers, src, out, fill=fill).render(pose)
