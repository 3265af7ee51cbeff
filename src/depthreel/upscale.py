"""Upscalers enlarge a photo's crop when the output needs more pixels than the photo has.

They are plugins (`register_upscalers`). The built-in `lanczos` needs no weights; a learned
super-resolution model (e.g. Real-ESRGAN) fits the same interface:

- `upscale(rgb, size)`: (h, w, 3) float32 RGB in [0, 1] to exactly size = (width, height),
  float32 RGB in [0, 1]. This is all the pipeline calls.
- A model with fixed scale factors sets `factors` (e.g. (4,) or (2, 4)) and implements
  `enlarge(rgb, factor)` for one tile; the base class's `upscale` then runs it tile by tile
  (`tile` input pixels a side, `overlap` pixels of context around each, so memory stays bounded
  and tile seams do not show), repeats it if one pass is not enough, and resamples the result
  to the exact size (area-averaged when shrinking).
- `load()` runs once before the first use: download or open the weights there and raise
  UpscalerUnavailable with a one-line fix-it message when that is impossible.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import cv2
import numpy as np

from depthreel.errors import DepthreelError

DEFAULT_UPSCALER = "lanczos"


class UpscalerUnavailable(DepthreelError):
    """The upscaler cannot run here (no weights, no network, missing package)."""


class Upscaler:
    """Base class for upscalers contributed through the `register_upscalers` hook."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    factors: ClassVar[tuple[int, ...]] = ()  # native factors of a learned model, ascending
    tile: ClassVar[int] = 512  # input pixels per tile side for enlarge (0: the whole image)
    overlap: ClassVar[int] = 16  # context pixels around each tile

    def __init__(self, **options: Any) -> None:
        self.options = options

    def load(self) -> None:
        """Prepare to run (weights, devices); raise UpscalerUnavailable when impossible."""

    def enlarge(self, rgb: np.ndarray, factor: int) -> np.ndarray:
        """One tile (h, w, 3) float32 enlarged by `factor` (one of `factors`) to (h*f, w*f, 3)."""
        raise NotImplementedError(f"upscaler '{self.name}' implements neither upscale nor enlarge")

    def upscale(self, rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        """`rgb` resampled to size (width, height) through `enlarge`, tile by tile."""
        if not self.factors:
            raise NotImplementedError(f"upscaler '{self.name}' declares no factors")
        image = np.asarray(rgb, np.float32)
        need = max(size[0] / image.shape[1], size[1] / image.shape[0])
        while need > 1.0 + 1e-6:
            factor = next((f for f in self.factors if f >= need), self.factors[-1])
            image = tiled(self.enlarge, image, factor, self.tile, self.overlap)
            need /= factor
        return resample(image, size)


def resample(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Exactly `size`: area averaging when shrinking, Lanczos when (slightly) enlarging."""
    h, w = rgb.shape[:2]
    if (w, h) == tuple(size):
        return np.asarray(rgb, np.float32)
    shrinking = size[0] <= w and size[1] <= h
    interp = cv2.INTER_AREA if shrinking else cv2.INTER_LANCZOS4
    return np.clip(cv2.resize(rgb, size, interpolation=interp), 0.0, 1.0).astype(np.float32)


def tiled(
    enlarge: Callable[[np.ndarray, int], np.ndarray],
    rgb: np.ndarray,
    factor: int,
    tile: int,
    overlap: int,
) -> np.ndarray:
    """Run `enlarge` on overlapping tiles and stitch the centres: bounded memory, no seams."""
    h, w = rgb.shape[:2]
    if tile <= 0 or (h <= tile and w <= tile):
        return np.asarray(enlarge(rgb, factor), np.float32)
    out = np.empty((h * factor, w * factor, 3), np.float32)
    for top in range(0, h, tile):
        for left in range(0, w, tile):
            bottom, right = min(h, top + tile), min(w, left + tile)
            y0, x0 = max(0, top - overlap), max(0, left - overlap)
            y1, x1 = min(h, bottom + overlap), min(w, right + overlap)
            big = np.asarray(enlarge(rgb[y0:y1, x0:x1], factor), np.float32)
            dy, dx = (top - y0) * factor, (left - x0) * factor
            out[top * factor : bottom * factor, left * factor : right * factor] = big[
                dy : dy + (bottom - top) * factor, dx : dx + (right - left) * factor
            ]
    return out


class LanczosUpscaler(Upscaler):
    """Lanczos resampling, then sharpening clamped to each pixel's source neighbourhood.

    Unsharp masking restores the contrast interpolation smooths away; clamping every output
    pixel between the darkest and brightest of the source pixels around it removes the halos
    and ringing both Lanczos and sharpening put beside edges. Options: sharpen (0 = plain
    Lanczos, default 0.6), radius (blur sigma in source pixels, default 0.6).
    """

    name: ClassVar[str] = "lanczos"
    description: ClassVar[str] = "Lanczos + halo-free sharpening (built in, no weights)"

    def upscale(self, rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        rgb = np.asarray(rgb, np.float32)
        h, w = rgb.shape[:2]
        if size[0] <= w and size[1] <= h:
            return resample(rgb, size)
        amount = float(self.options.get("sharpen", 0.6))
        radius = float(self.options.get("radius", 0.6))
        if not 0 <= amount <= 4 or not 0 < radius <= 10:
            raise DepthreelError(
                f"upscaler lanczos: sharpen must be in [0, 4] and radius in (0, 10], "
                f"got {amount} and {radius}"
            )
        up = cv2.resize(rgb, size, interpolation=cv2.INTER_LANCZOS4)
        if amount > 0:
            sigma = radius * max(size[0] / w, size[1] / h)
            up = up + amount * (up - cv2.GaussianBlur(up, (0, 0), sigma))
        kernel = np.ones((3, 3), np.uint8)
        low = cv2.resize(cv2.erode(rgb, kernel), size, interpolation=cv2.INTER_LINEAR)
        high = cv2.resize(cv2.dilate(rgb, kernel), size, interpolation=cv2.INTER_LINEAR)
        return np.clip(up, low, high).astype(np.float32)


def get_upscaler(registry: Any, name: str = DEFAULT_UPSCALER, **options: Any) -> Upscaler:
    """The registered upscaler `name`, instantiated with options and loaded."""
    upscaler: Upscaler = registry.get("upscaler", name)(**options)
    upscaler.load()
    return upscaler
