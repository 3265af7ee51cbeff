"""A weight-free monocular depth estimator built from classic cues.

It is the fallback when Depth Anything cannot run, and what CI uses. The cues, each a map in
[0, 1] where 1 means near:

- ground: lower in the frame is nearer (a ground plane seen from eye height);
- focus: sharp, in-focus detail is nearer than defocused background (portraits, macro);
- subject: colour-distinct regions near the centre are usually the subject, which is near;
- sky: smooth, sky-coloured regions connected to the top edge are the farthest of all.

They are mixed at a reduced working resolution, smoothed so depth edges follow colour edges
(colour guided filter), and upsampled edge-aware to the input size. The result is
bit-identical from run to run on a machine: no randomness, and no OpenCV routine whose
result depends on memory alignment (cv2.magnitude does).
"""

from __future__ import annotations

from typing import Any, ClassVar

import cv2
import numpy as np

from depthreel.depth.base import DepthEstimator
from depthreel.depth.convert import guided_filter, upsample_guided

WORKING_SIZE = 448  # long side of the working resolution, pixels
FOCUS_SIZE = 896  # long side at which defocus is measured (blur is lost when shrinking more)


def _shrink(image: np.ndarray, long_side: int) -> np.ndarray:
    h, w = image.shape[:2]
    scale = long_side / max(h, w)
    if scale >= 1.0:
        return image.astype(np.float32, copy=True)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _stretch(values: np.ndarray, low: float = 2.0, high: float = 98.0) -> np.ndarray:
    """Percentile stretch to [0, 1]; a constant map becomes 0."""
    lo, hi = np.percentile(values, [low, high])
    if hi - lo < 1e-9:
        return np.zeros_like(values, dtype=np.float32)
    return np.clip((values - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)


def _box(img: np.ndarray, radius: int) -> np.ndarray:
    k = 2 * radius + 1
    return cv2.boxFilter(img, -1, (k, k), borderType=cv2.BORDER_REFLECT)


def _gray(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def _gradient(gray: np.ndarray) -> np.ndarray:
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    # Not cv2.magnitude: its result depends on the buffers' memory alignment (SIMD paths).
    return np.sqrt(gx * gx + gy * gy)


def ground_cue(shape: tuple[int, int]) -> np.ndarray:
    """Vertical position: 0 at the top row, 1 at the bottom row."""
    h, w = shape
    ramp = np.linspace(0.0, 1.0, h, dtype=np.float32)
    return np.repeat(ramp[:, None], w, axis=1)


def focus_cue(rgb: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, float]:
    """Local sharpness in [0, 1] at `shape`, and how informative it is (0 = no defocus seen).

    Blur is measured at edges (Zhuo and Sim's re-blur gradient ratio: an edge blurred by sigma
    has gradient ratio R to its copy re-blurred by s0, with sigma = s0 / sqrt(R^2 - 1)), then
    spread by normalised convolution. Regions without edges lean towards "blurred": in a photo
    with a defocused background those are the background.
    """
    gray = _gray(rgb)
    s0 = 1.0
    g1 = _gradient(gray)
    g2 = _gradient(cv2.GaussianBlur(gray, (0, 0), s0))
    high = max(float(np.percentile(g1, 90)) * 255 / 4, 8.0)
    edges = cv2.Canny((gray * 255).astype(np.uint8), high * 0.5, high) > 0
    ratio = g1 / (g2 + 1e-6)
    ok = edges & (ratio > 1.0001) & (g1 > 0.05)
    sigma = s0 / np.sqrt(np.maximum(ratio * ratio - 1.0, 1e-6))
    score: np.ndarray = np.where(ok, 1.0 / (1.0 + np.clip(sigma, 0.0, 6.0)), 0.0).astype(np.float32)
    h, w = shape
    weight = cv2.resize(ok.astype(np.float32), (w, h), interpolation=cv2.INTER_AREA)
    score = cv2.resize(score, (w, h), interpolation=cv2.INTER_AREA)
    big = max(3.0, max(h, w) / 40)
    num = cv2.GaussianBlur(score, (0, 0), big)
    den = cv2.GaussianBlur(weight, (0, 0), big)
    sharp = num / (den + 0.02)
    if not ok.any():
        return np.zeros(shape, np.float32), 0.0
    p10, p90 = np.percentile(np.clip(sigma[ok], 0.0, 6.0), [10, 90])
    informative = float(np.clip((p90 - p10 - 0.6) / 2.0, 0.2, 1.0))
    return _stretch(sharp, 5, 95), informative


def subject_cue(rgb: np.ndarray) -> np.ndarray:
    """Colour distinctness from the frame's border colours, weighted by a centre prior."""
    h, w = rgb.shape[:2]
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab)
    lab = cv2.GaussianBlur(lab, (0, 0), max(1.0, max(h, w) / 150))
    border = max(2, round(min(h, w) / 20))
    edges = np.concatenate(
        [
            lab[:border].reshape(-1, 3),
            lab[-border:].reshape(-1, 3),
            lab[:, :border].reshape(-1, 3),
            lab[:, -border:].reshape(-1, 3),
        ]
    )
    ref = np.median(edges, axis=0)
    dist = np.linalg.norm(lab - ref, axis=-1)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    centre = np.exp(-(((xx / w - 0.5) / 0.35) ** 2 + ((yy / h - 0.55) / 0.4) ** 2))
    return _stretch(dist * centre)


def sky_mask(rgb: np.ndarray) -> np.ndarray:
    """Soft sky membership in [0, 1]: smooth, sky-coloured and connected to the top edge."""
    h, w = rgb.shape[:2]
    gray = _gray(rgb)
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    grad = _box(np.sqrt(gx * gx + gy * gy), max(1, round(max(h, w) / 160)))
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    value = rgb.max(axis=-1)
    sat = (value - rgb.min(axis=-1)) / (value + 1e-3)
    blue = (b >= r) & (b >= g - 0.02)
    bright_neutral = (value > 0.55) & (sat < 0.25)
    warm_bright = value > 0.7  # sunsets, haze
    colour_ok = blue | bright_neutral | warm_bright
    smooth = grad < 0.08
    candidate = (smooth & colour_ok).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    candidate = cv2.morphologyEx(candidate, cv2.MORPH_OPEN, kernel)
    count, labels = cv2.connectedComponents(candidate, connectivity=4)
    if count <= 1:
        return np.zeros((h, w), np.float32)
    top = np.unique(labels[0][candidate[0] > 0])
    sizes = np.bincount(labels.ravel(), minlength=count)
    keep = np.zeros(count, bool)
    for label in top:
        # A sky region is a sizeable part of the frame and spans much of the top edge.
        top_cover = np.count_nonzero(labels[0] == label) / w
        if sizes[label] > 0.02 * h * w and top_cover > 0.15:
            keep[label] = True
    keep[0] = False
    mask = keep[labels]
    # Clean up: fill small holes (stars, birds) and keep the mask's edge soft.
    mask = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, kernel, iterations=2)
    return cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 1.0)


class ClassicEstimator(DepthEstimator):
    """Depth from monocular cues (position, sky, defocus, subject), no model weights needed."""

    name: ClassVar[str] = "classic"
    description: ClassVar[str] = "built-in heuristic depth from image cues; fast, no download"
    priority: ClassVar[int] = 50

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.working_size = int(options.get("working_size", WORKING_SIZE))

    def cache_key(self) -> str:
        # Options meant for other estimators (such as model=) do not change this map.
        return f"{self.name}:v1:{self.working_size}"

    def estimate_small(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Inverse depth at working resolution, and the working-resolution image."""
        rgb = np.asarray(image, dtype=np.float32)
        focus_src = np.clip(_shrink(rgb, FOCUS_SIZE), 0.0, 1.0)
        small = np.clip(_shrink(focus_src, self.working_size), 0.0, 1.0)
        shape = small.shape[:2]
        ground = ground_cue(shape)
        focus, focus_weight = focus_cue(focus_src, shape)
        subject = subject_cue(small)
        sky = sky_mask(small)

        inv = 0.55 * ground + 0.25 * subject + 0.45 * focus_weight * focus
        inv = inv / (0.8 + 0.45 * focus_weight)
        radius = max(2, round(max(shape) / 24))
        inv = guided_filter(small, inv.astype(np.float32), radius, 1e-2)
        inv = guided_filter(small, inv, max(1, radius // 3), 1e-3)
        inv = np.clip(inv, 0.0, None)
        # Sky is the farthest: below everything else.
        inv = 0.1 + inv
        inv = inv * (1.0 - sky)
        return inv.astype(np.float32), small

    def estimate(self, image: np.ndarray) -> np.ndarray:
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected an (H, W, 3) RGB image, got shape {image.shape}")
        inv, _ = self.estimate_small(image)
        out = upsample_guided(inv, image)
        return np.maximum(out, 0.0).astype(np.float32, copy=False)
