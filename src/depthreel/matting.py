"""From a coarse subject mask to a soft alpha matte, and compositing with it.

A depth map's edges are soft and a few pixels off the photo's, so the depth's subject mask is
only a starting point:

1. GrabCut (OpenCV) decides every pixel in a band around the mask's edge by colour, with the
   mask's inside and outside (beyond the band) fixed: the cut moves onto the colour edges.
2. In a narrow band around that cut, alpha is read from colour: each pixel as a mix of the
   subject's and the background's colours beside it (hair over sky is partly sky). Where the
   two are alike, a colour guided filter (He et al.) of the cut takes over. Only the band
   gets soft values.
3. For cut-outs and new backgrounds, the subject's own colour is estimated where alpha is
   partial (the photo there mixes in the old background) so no fringe comes along.
"""

from __future__ import annotations

import cv2
import numpy as np

from depthreel.imaging import push_pull

CUT_LONG_SIDE = 640  # GrabCut runs on a grid at most this large
MATTE_LONG_SIDE = 2048  # the guided filter runs on a grid at most this large
BAND = 0.015  # default half-width of the uncertain band, as a share of the long side
FILL_LONG_SIDE = 1024  # colours and depths continued under an edge are computed this large
EPS = 1e-4  # guided filter regularisation (intensities in [0, 1])
CONTRAST = 0.25  # subject/background colour distance (RGB) from which their mix is trusted


def _resized(image: np.ndarray, long_side: int, interp: int = cv2.INTER_AREA) -> np.ndarray:
    h, w = image.shape[:2]
    scale = long_side / max(h, w)
    if scale >= 1:
        return image
    return cv2.resize(
        image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=interp
    )


def smooth_fill(
    values: np.ndarray, known: np.ndarray, long_side: int = FILL_LONG_SIDE
) -> np.ndarray:
    """`values` continued from the `known` pixels into the rest (push-pull), on a reduced grid.

    Returns the smooth fill at full size (known pixels too get their smoothed value): cheap
    for 12 MP photos, and what edge colours and depths need (they vary slowly).
    """
    h, w = known.shape
    weight = known.astype(np.float32)
    scale = min(1.0, long_side / max(h, w))
    if scale < 1:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        weighted = values * (weight[..., None] if values.ndim == 3 else weight)
        small_w = cv2.resize(weight, size, interpolation=cv2.INTER_AREA)
        small_v = cv2.resize(weighted.astype(np.float32), size, interpolation=cv2.INTER_AREA)
        safe = np.maximum(small_w, 1e-8)
        small_v = small_v / (safe[..., None] if values.ndim == 3 else safe)
        filled = push_pull(small_v.astype(np.float32), (small_w > 1e-8).astype(np.float32))
        return np.asarray(cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR), np.float32)
    return push_pull(values.astype(np.float32), weight)


def within(mask: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """(inner, outer): `mask` eroded and dilated by a disc of `radius` px (distance
    transforms: linear time however wide the disc)."""
    inside = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 5)
    outside = cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, 5)
    return inside > radius, outside <= radius


def _disc(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float = EPS) -> np.ndarray:
    """Colour guided filter: `src` (H, W) smoothed along the edges of `guide` (H, W, 3)."""
    size = (2 * radius + 1, 2 * radius + 1)

    def mean(x: np.ndarray) -> np.ndarray:
        return np.asarray(cv2.boxFilter(x, -1, size, borderType=cv2.BORDER_REFLECT))

    guide = guide.astype(np.float32)
    src = src.astype(np.float32)
    mean_i = mean(guide)
    mean_p = mean(src)
    cov_ip = mean(guide * src[..., None]) - mean_i * mean_p[..., None]
    var = np.empty((*src.shape, 3, 3), np.float32)
    for i in range(3):
        for j in range(i, 3):
            v = mean(guide[..., i] * guide[..., j]) - mean_i[..., i] * mean_i[..., j]
            var[..., i, j] = var[..., j, i] = v
    var += eps * np.eye(3, dtype=np.float32)
    a = np.linalg.solve(var, cov_ip[..., None])[..., 0]
    b = mean_p - np.sum(a * mean_i, axis=-1)
    return np.asarray(np.sum(mean(a) * guide, axis=-1) + mean(b), np.float32)


def grabcut_mask(rgb: np.ndarray, mask: np.ndarray, band: int, iterations: int = 4) -> np.ndarray:
    """`mask` (bool) with its pixels within `band` of the edge re-decided by GrabCut."""
    sure_fg = cv2.erode(mask.astype(np.uint8), _disc(band)) > 0
    maybe = cv2.dilate(mask.astype(np.uint8), _disc(band)) > 0
    if not sure_fg.any() or maybe.all():
        return mask
    # Only the box around the subject (plus a margin) matters: GrabCut's cost grows with it.
    ys, xs = np.nonzero(maybe)
    pad = 4 * band
    h, w = mask.shape
    y0, y1 = max(0, ys.min() - pad), min(h, ys.max() + pad + 1)
    x0, x1 = max(0, xs.min() - pad), min(w, xs.max() + pad + 1)
    box = (slice(y0, y1), slice(x0, x1))
    trimap = np.full((y1 - y0, x1 - x0), cv2.GC_BGD, np.uint8)
    trimap[maybe[box]] = cv2.GC_PR_BGD
    trimap[mask[box]] = cv2.GC_PR_FGD
    trimap[sure_fg[box]] = cv2.GC_FGD
    if not (trimap == cv2.GC_BGD).any():
        return mask
    image = np.clip(rgb[box][..., ::-1] * 255 + 0.5, 0, 255).astype(np.uint8)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    rect = (0, 0, 0, 0)  # unused with GC_INIT_WITH_MASK
    cv2.grabCut(image, trimap, rect, bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK)
    out = mask.copy()
    out[box] = (trimap == cv2.GC_FGD) | (trimap == cv2.GC_PR_FGD)
    return out


def mixture_alpha(
    rgb: np.ndarray, inner: np.ndarray, outer: np.ndarray, fallback: np.ndarray
) -> np.ndarray:
    """Alpha in the band between `inner` (subject) and `outer` (beyond: background) pixels.

    Each band pixel is read as a mix of the subject's and the background's colours near it
    (both continued into the band from its sides): alpha is the pixel's position on the line
    between them. Where the two colours are alike that reading is noise, so `fallback` (the
    guided filter's matte) takes over.
    """
    fg = push_pull(rgb, inner.astype(np.float32))
    bg = push_pull(rgb, (~outer).astype(np.float32))
    diff = fg - bg
    norm2 = np.sum(diff * diff, axis=-1)
    position = np.sum((rgb - bg) * diff, axis=-1) / np.maximum(norm2, 1e-6)
    trust = np.clip(np.sqrt(norm2) / CONTRAST, 0.0, 1.0)
    mixed = trust * np.clip(position, 0.0, 1.0) + (1.0 - trust) * np.clip(fallback, 0.0, 1.0)
    return mixed.astype(np.float32)


def refine_alpha(rgb: np.ndarray, hint: np.ndarray, band: float | None = None) -> np.ndarray:
    """A soft alpha matte (H, W) float32 of the subject coarsely given by `hint` (H, W) bool.

    band: half-width (px of the photo) of the zone around the hint's edge that colour may
    re-decide; default BAND of the long side.
    """
    h, w = hint.shape
    if not hint.any() or hint.all():
        return hint.astype(np.float32)
    long_side = max(h, w)
    band_px = float(band) if band is not None else BAND * long_side
    # 1. The hard cut, on colour edges, at GrabCut's working size.
    small_rgb = _resized(rgb, CUT_LONG_SIDE)
    sh, sw = small_rgb.shape[:2]
    small_hint = cv2.resize(hint.astype(np.uint8), (sw, sh), interpolation=cv2.INTER_NEAREST) > 0
    small_band = max(2, round(band_px * sw / w))
    cut = grabcut_mask(small_rgb, small_hint, small_band)
    # 2. Soft edges from colour mixing (or the guided filter), at the matte's working size.
    guide = _resized(rgb, MATTE_LONG_SIDE)
    gh, gw = guide.shape[:2]
    hard = cv2.resize(cut.astype(np.float32), (gw, gh), interpolation=cv2.INTER_LINEAR)
    radius = max(2, round(0.004 * max(gh, gw)))
    edge_band = max(2, round(2 * radius))
    inner = cv2.erode((hard > 0.5).astype(np.uint8), _disc(edge_band)) > 0
    outer = cv2.dilate((hard > 0.5).astype(np.uint8), _disc(edge_band)) > 0
    soft = mixture_alpha(guide, inner, outer, guided_filter(guide, hard, radius))
    alpha = np.where(inner, 1.0, np.where(outer, soft, 0.0)).astype(np.float32)
    if (gw, gh) != (w, h):
        alpha = np.asarray(cv2.resize(alpha, (w, h), interpolation=cv2.INTER_LINEAR), np.float32)
    return np.clip(alpha, 0.0, 1.0).astype(np.float32)


def foreground_colours(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The subject's own colour (H, W, 3): the photo where alpha is 1, unmixed where partial.

    The photo is I = a F + (1 - a) B. B is continued from the clear background (alpha ~ 0)
    under the edge; F = (I - (1 - a) B) / a where alpha is large enough to trust, else the
    subject's colour continued from its solid inside.
    """
    partial = (alpha > 0.0) & (alpha < 1.0)
    if not partial.any():
        return rgb.astype(np.float32)
    back = smooth_fill(rgb, alpha < 0.02)
    solid = smooth_fill(rgb, alpha > 0.98)
    a = alpha[..., None]
    unmixed = (rgb - (1.0 - a) * back) / np.maximum(a, 1e-3)
    trust = np.clip((a - 0.2) / 0.3, 0.0, 1.0)
    fg = trust * np.clip(unmixed, 0.0, 1.0) + (1.0 - trust) * solid
    return np.where(partial[..., None], fg, rgb).astype(np.float32)


def composite(fg: np.ndarray, alpha: np.ndarray, background: np.ndarray) -> np.ndarray:
    """The subject's colours over `background` with the matte."""
    a = alpha[..., None]
    return (a * fg + (1.0 - a) * background).astype(np.float32)


def rgba8(fg: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """8-bit RGBA cut-out (straight alpha, as PNG stores it)."""
    rgba = np.dstack([fg, alpha]).astype(np.float32)
    return np.clip(rgba * 255 + 0.5, 0, 255).astype(np.uint8)
