"""The renderer's public API: render views of a layered scene from new camera poses."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from depthreel.render.composite import resolve
from depthreel.render.cull import source_window
from depthreel.render.fill import fill_frame, pyramid_shapes, tile_shape
from depthreel.render.jit import EMPTY
from depthreel.render.project import camera_params
from depthreel.render.source import SURFACE_STEP, pack_source, surface_gradient
from depthreel.render.splat import scatter
from depthreel.scene import CameraPose, Intrinsics, Layer

__all__ = ["SURFACE_STEP", "Renderer", "View", "render_view", "surface_gradient"]

DEFAULT_Z_TOLERANCE = 0.03
"""Samples within 3 % of the nearest depth at a pixel are one surface."""


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


class Renderer:
    """Renders many views of the same layers; all scratch buffers are allocated once.

    layers share the source grid described by `src`; `out` gives the output camera and size
    (usually the source minus a centred margin: out.cx = src.cx - margin_x). z_tolerance is the
    relative depth difference within which samples count as one surface. With fill=False,
    holes are left uncovered (see View).

    Not thread-safe: one render at a time per Renderer; `clone()` gives another Renderer of
    the same scene for another thread. The Numba kernels release the GIL, so renders in
    several threads, and the encoder, run in parallel.
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
        src_ = pack_source(layers, src, self.z_tolerance)
        n_layers, hp, wp = src_.depth.shape
        stacked = (
            src_.depth.reshape(n_layers * hp, wp),
            src_.color.reshape(n_layers * hp, 4, wp),
            src_.grad.reshape(n_layers * hp, 3, wp),
            src_.links.reshape(n_layers * hp, wp),
            src_.flags.reshape(n_layers * hp, wp),
        )
        self._source = (
            src_.depth,
            src_.color.reshape(-1),
            src_.grad,
            src_.links,
            src_.flags,
            src_.segments,
            src_.starts,
            src_.opaque,
            src_.xn,
            src_.yn,
            src_.sparse,
            src_.points,
            stacked,
        )
        present = src_.depth[src_.depth > 0]
        # The dense layers' depth range bounds the part of the source a pose can see.
        self._depth_range = (
            (float(present.min()), float(present.max())) if present.size else (1.0, 1.0)
        )
        self._allocate_scratch()

    def _allocate_scratch(self) -> None:
        h, w = self.out.height, self.out.width
        self._back_z = np.full((h, w), EMPTY, np.float32)
        self._back = np.zeros((h, w, 4), np.float32)
        self._back_rows = np.zeros(h, np.bool_)
        self._row_holes = np.zeros(h, np.bool_)
        self._tile_holes = np.zeros(tile_shape(h, w), np.bool_)
        self._pyramid = [np.zeros((ph, pw, 5), np.float32) for ph, pw in pyramid_shapes(h, w)]

    def clone(self) -> Renderer:
        """A Renderer of the same scene with its own scratch, for rendering in another thread.

        The packed source (the big part) is shared read-only, so a clone costs only the
        per-frame buffers.
        """
        twin = copy.copy(self)
        twin._allocate_scratch()
        return twin

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
        view.depth.fill(EMPTY)  # the z-buffer
        frame = (
            view.rgb.reshape(h * w, 3),
            view.coverage.reshape(h * w),
            view.depth.reshape(h * w),
            self._back_z.reshape(h * w),
            self._back.reshape(h * w, 4),
            self._back_rows,
        )
        window = source_window(pose, self.src, self.out, self._depth_range)
        scatter(self._source, cam, self.z_tolerance, h, w, frame, window)
        holes = resolve(
            view.rgb,
            view.coverage,
            view.depth,
            self._back_z,
            self._back,
            self._back_rows,
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
