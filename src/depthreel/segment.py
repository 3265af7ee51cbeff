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
MIN_STEP = 0.02  # least mean inverse-depth step across the outline (subject's level = 1)
MAX_SHARE = 0.8  # a "subject" covering more of the frame than this is the whole scene


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

    Starting from the region depthreel.subject picks, the subject is grown to everything
    nearer than a threshold in inverse depth; of the thresholds between the background's
    level and the region's, the one whose outline runs along the strongest depth step wins
    (a person over a wall: the person's outline, not a contour across their smooth body).
    Holes smaller than 0.5 % of the frame are filled. All False when no outline has a step
    of at least MIN_STEP.
    """
    h, w = depth.shape
    scale = min(1.0, HINT_LONG_SIDE / max(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    finite = np.nan_to_num(depth.astype(np.float32), nan=np.inf, posinf=np.inf)
    inverse = (1.0 / np.maximum(finite, 1e-6)).astype(np.float32)
    small = cv2.resize(inverse, size, interpolation=cv2.INTER_AREA)
    _, region = subject_region(1.0 / np.maximum(small, 1e-9))
    if region is None:
        return np.zeros((h, w), bool)
    seed = cv2.resize(region.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    square = np.ones((3, 3), np.uint8)
    high, low = cv2.dilate(small, square), cv2.erode(small, square)
    inner = np.zeros(small.shape, bool)
    inner[1:-1, 1:-1] = True  # the frame's border is no outline
    best, best_step = None, MIN_STEP
    top = float(np.median(small[seed]))
    step = (high - low) / max(top, 1e-9)  # inverse-depth step at each pixel, subject = 1
    for level in np.linspace(float(np.quantile(small, 0.05)), top, 18)[1:-1]:
        count, labels = cv2.connectedComponents((small >= level).astype(np.uint8), connectivity=8)
        overlap = np.bincount(labels[seed], minlength=count)
        overlap[0] = 0
        if overlap.max() == 0:
            continue
        mask = labels == int(np.argmax(overlap))
        outline = mask & ~(cv2.erode(mask.astype(np.uint8), square) > 0) & inner
        if not outline.any() or mask.mean() > MAX_SHARE:
            continue
        strength = float(np.mean(step[outline]))
        if strength > best_step:
            best, best_step = mask, strength
    if best is None:
        return np.zeros((h, w), bool)
    best = fill_holes(best, 0.005 * best.size)
    full = cv2.resize(best.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
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
