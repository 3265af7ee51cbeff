"""Segmenters find the main subject's alpha matte; they are plugins (`register_segmenters`).

Every segmenter gets the photo, its depth and a *hint*: the subject as the depth sees it (the
nearest large region, see depthreel.subject), so a learned matting or segmentation model that
finds every object can keep the one the depth points at. The built-in `depth` segmenter needs
no weights: it refines the hint against the photo's colour edges (depthreel.matting).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import cv2
import numpy as np

from depthreel.errors import DepthreelError, unknown
from depthreel.subject import subject_region

HINT_LONG_SIDE = 512  # the hint is found on a grid this large, then resized to the photo
MIN_STEP = 0.05  # a subject is at least this much nearer (in inverse depth) than around it


class SegmenterUnavailable(DepthreelError):
    """The segmenter cannot run here (no weights, no network, missing package)."""


class Segmenter:
    """Base class for segmenters contributed through the `register_segmenters` hook.

    `priority` orders the segmenters tried when none is named (lower first); the built-in
    `depth` segmenter has 1000, so any installed model is preferred.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    priority: ClassVar[int] = 100

    def __init__(self, **options: Any) -> None:
        self.options = options

    def load(self) -> None:
        """Prepare to run (weights, devices); raise SegmenterUnavailable when impossible."""

    def segment(self, rgb: np.ndarray, depth: np.ndarray, hint: np.ndarray) -> np.ndarray:
        """The subject's alpha matte: (H, W) float32 in [0, 1], 1 = subject.

        rgb: (H, W, 3) float32 RGB in [0, 1]; depth: (H, W) float32 distance Z > 0; hint:
        (H, W) bool, the subject as the depth sees it (coarse at its edges).
        """
        raise NotImplementedError


class DepthSegmenter(Segmenter):
    """The depth hint, its edges moved onto the photo's colour edges, with soft alpha."""

    name: ClassVar[str] = "depth"
    description: ClassVar[str] = "nearest region of the depth map, refined on colour edges"
    priority: ClassVar[int] = 1000

    def segment(self, rgb: np.ndarray, depth: np.ndarray, hint: np.ndarray) -> np.ndarray:
        from depthreel.matting import refine_alpha

        band = self.options.get("band")
        return refine_alpha(rgb, hint, band=float(band) if band is not None else None)


def subject_hint(depth: np.ndarray) -> np.ndarray:
    """The subject as the depth sees it: (H, W) bool at the depth map's size.

    The region depthreel.subject picks is grown to everything nearer than halfway (in inverse
    depth) between it and its surroundings, so the cut follows the depth step rather than a
    quantile; holes smaller than 0.5 % of the frame are filled. All False when nothing is
    MIN_STEP nearer than its surroundings.
    """
    h, w = depth.shape
    scale = min(1.0, HINT_LONG_SIDE / max(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    inverse = (1.0 / np.maximum(np.nan_to_num(depth, nan=np.inf, posinf=np.inf), 1e-6)).astype(
        np.float32
    )
    small = cv2.resize(inverse, size, interpolation=cv2.INTER_AREA)
    _, region = subject_region(1.0 / np.maximum(small, 1e-9))
    if region is None:
        return np.zeros((h, w), bool)
    seed = cv2.resize(region.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    ring_width = max(3, round(0.06 * max(size)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * ring_width + 1,) * 2)
    ring = (cv2.dilate(seed.astype(np.uint8), kernel) > 0) & ~seed
    inside = float(np.median(small[seed]))
    around = float(np.median(small[ring])) if ring.any() else float(small.min())
    if inside - around <= MIN_STEP * inside:
        return np.zeros((h, w), bool)  # nothing stands out of its surroundings
    near = small >= 0.5 * (inside + around)
    count, labels = cv2.connectedComponents(near.astype(np.uint8), connectivity=8)
    overlap = np.bincount(labels[seed], minlength=count)
    overlap[0] = 0
    mask = labels == int(np.argmax(overlap)) if overlap.max() > 0 else seed
    mask = fill_holes(mask, 0.005 * mask.size)
    full = cv2.resize(mask.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    return np.asarray(full >= 0.5)


def fill_holes(mask: np.ndarray, max_area: float) -> np.ndarray:
    """`mask` with its enclosed holes smaller than `max_area` pixels filled."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        (~mask).astype(np.uint8), connectivity=4
    )
    h, w = mask.shape
    out = mask.copy()
    for label in range(1, count):
        x, y, bw, bh, area = stats[label]
        touches = x == 0 or y == 0 or x + bw == w or y + bh == h
        if not touches and area < max_area:
            out |= labels == label
    return out


def choose_segmenter(
    registry: Any, name: str | None, notice: Callable[[str], None], **options: Any
) -> Segmenter:
    """The named segmenter, loaded; or the first by priority that loads (others noticed)."""
    classes = {entry.name: entry.obj for entry in registry.items("segmenter")}
    if name is not None:
        if name not in classes:
            raise unknown("segmenter", name, classes)
        chosen: Segmenter = classes[name](**options)
        chosen.load()
        return chosen
    failures = []
    for cls in sorted(classes.values(), key=lambda c: (c.priority, c.name)):
        candidate: Segmenter = cls(**options)
        try:
            candidate.load()
        except SegmenterUnavailable as exc:
            failures.append(f"{cls.name}: {exc}")
            continue
        for failure in failures:
            notice(f"segmenter {failure}; using '{cls.name}'")
        return candidate
    raise SegmenterUnavailable("no segmenter can run here: " + "; ".join(failures or ["none"]))
