"""One frame from a new viewpoint, at the photo's own size: novel views and stereo pairs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from depthreel.depth.convert import upsample_guided
from depthreel.depthmap import photo_depth
from depthreel.errors import DepthreelError
from depthreel.inpaint import Inpainter
from depthreel.ldi import LayeredDepthImage, build_ldi
from depthreel.photo import Photo
from depthreel.registry import Registry
from depthreel.render.renderer import Renderer, View
from depthreel.scene import CameraPose, Intrinsics

DEFAULT_INPAINTER = "diffusion"


@dataclass
class StillResult:
    view: View
    ldi: LayeredDepthImage
    camera: Intrinsics
    depth_source: str
    timings: dict[str, float] = field(default_factory=dict)


def photo_camera(photo: Photo, focal: float | None = None) -> Intrinsics:
    """The photo's pinhole camera: an explicit focal length (px) wins over EXIF and defaults."""
    if focal is not None and not focal > 0:
        raise DepthreelError(f"--focal must be > 0, got {focal}")
    if focal is not None:
        return Intrinsics.centered(photo.width, photo.height, focal)
    return Intrinsics.from_focal_35mm(photo.width, photo.height, photo.focal_35mm)


def full_depth(
    photo: Photo,
    registry: Registry,
    notice: Callable[[str], None],
    camera: Intrinsics,
    estimator: str | None,
    depth_file: Path | None,
    depth_kind: str,
) -> tuple[np.ndarray, str]:
    """Metric depth at the photo's own size (user maps are read at full size)."""
    if depth_file is not None:
        from depthreel.depth.user_map import load_depth_file

        shape = (photo.height, photo.width)
        z = load_depth_file(Path(depth_file), depth_kind, shape, focal=camera.focal)
        return z.astype(np.float32), f"file {depth_file} ({depth_kind})"
    result = photo_depth(photo, registry, notice, estimator=estimator)
    z = result.depth
    if z.shape != (photo.height, photo.width):
        z = upsample_guided(z, photo.rgb)
    return z.astype(np.float32), result.source


def render_still(
    photo: Photo,
    depth: np.ndarray,
    camera: Intrinsics,
    pose: CameraPose,
    inpainter: Inpainter,
) -> tuple[View, LayeredDepthImage]:
    """Render `photo` with metric `depth` from `pose` at the photo's size, LDI and fill on."""
    ldi = build_ldi(photo.rgb, depth, camera, [CameraPose(), pose], inpainter)
    view = Renderer(ldi.layers, ldi.camera, camera).render(pose)
    return view, ldi


def layer_images(ldi: LayeredDepthImage) -> list[np.ndarray]:
    """Each layer as 8-bit RGBA (alpha = the layer's alpha where it has samples)."""
    images = []
    for layer in ldi.layers:
        present = np.isfinite(layer.depth) & (layer.depth > 0)
        alpha = np.ones(present.shape, np.float32) if layer.alpha is None else layer.alpha
        rgba = np.dstack([layer.rgb, np.where(present, alpha, 0.0)])
        images.append(np.clip(rgba * 255 + 0.5, 0, 255).astype(np.uint8))
    return images
