"""Conversions between estimator maps and the renderer's metric depth Z (see depthreel.scene).

Estimators return relative inverse depth (larger = nearer, arbitrary scale and offset). The
renderer wants Z > 0. `normalize_inverse` maps the estimator output robustly to [0, 1] and
`inverse_to_depth` places that normalised map between a near and a far plane, linearly in 1/Z,
which is what the perspective parallax of a moving camera is linear in.
"""

from __future__ import annotations

import cv2
import numpy as np

from depthreel.errors import DepthreelError
from depthreel.imaging import push_pull

DEFAULT_NEAR = 1.0
# The far plane, in units of the near plane. 12 keeps the farthest content (sky, distant
# background) moving 1/12 as much as the nearest subject: a clear but not flat parallax, and
# finite so that the renderer never divides by zero.
DEFAULT_FAR = 12.0
# Percentiles that `normalize_inverse` maps to 0 and 1; outliers beyond them are clipped.
LOW_PERCENTILE = 1.0
HIGH_PERCENTILE = 99.0
ASPECT_TOLERANCE = 0.01
_PERCENTILE_SAMPLES = 250_000


def _percentiles(values: np.ndarray, low: float, high: float) -> tuple[float, float]:
    """Percentiles of the finite values, from a strided subsample of large maps (fast)."""
    step = max(1, int(np.sqrt(values.size / _PERCENTILE_SAMPLES)))
    sample = values[::step, ::step] if values.ndim == 2 else values[::step]
    sample = sample[np.isfinite(sample)]
    if sample.size == 0:
        raise DepthreelError("depth map has no valid values")
    lo, hi = np.percentile(sample, [low, high])
    if hi - lo <= 1e-6 * max(abs(float(hi)), 1e-12):
        lo, hi = float(sample.min()), float(sample.max())
    return float(lo), float(hi)


def normalize_inverse(
    inv: np.ndarray, low: float = LOW_PERCENTILE, high: float = HIGH_PERCENTILE
) -> np.ndarray:
    """Map relative inverse depth to [0, 1] (0 = farthest, 1 = nearest), float32.

    The `low` and `high` percentiles of the finite values map to 0 and 1, so a few outlier
    pixels do not squash the rest. A constant map carries no relative depth: it becomes all 0,
    a flat scene on the far plane. Non-finite pixels stay non-finite.
    """
    inv = np.asarray(inv, dtype=np.float32)
    lo, hi = _percentiles(inv, low, high)
    if hi - lo <= 1e-12 * max(abs(hi), 1.0):
        out = np.zeros_like(inv)
        out[~np.isfinite(inv)] = np.nan
        return out
    out = (inv - np.float32(lo)) * np.float32(1.0 / (hi - lo))
    np.clip(out, 0.0, 1.0, out=out)
    return out


def _check_planes(near: float, far: float) -> None:
    if not (near > 0 and far > near and np.isfinite(far)):
        raise DepthreelError(
            f"need 0 < near < far < inf for depth planes, got near={near}, far={far}"
        )


def inverse_to_depth(
    inv: np.ndarray,
    near: float = DEFAULT_NEAR,
    far: float = DEFAULT_FAR,
    *,
    normalized: bool = False,
) -> np.ndarray:
    """Relative inverse depth -> metric depth Z in [near, far], float32.

    The map is first normalised with `normalize_inverse` (skip that with normalized=True when it
    already is in [0, 1]); then n maps to Z = 1 / (1/far + n * (1/near - 1/far)), so n = 1 is
    the near plane and n = 0 the far plane.
    """
    _check_planes(near, far)
    n = (
        np.clip(np.asarray(inv, dtype=np.float32), 0.0, 1.0)
        if normalized
        else normalize_inverse(inv)
    )
    inv_far = np.float32(1.0 / far)
    span = np.float32(1.0 / near - 1.0 / far)
    return (1.0 / (inv_far + n * span)).astype(np.float32, copy=False)


def disparity_to_depth(disp: np.ndarray, focal: float, baseline: float = 1.0) -> np.ndarray:
    """Disparity in pixels -> metric depth Z = focal * baseline / disp, float32.

    Pixels whose disparity is not finite or <= 0 (unknown) become NaN; `fill_unknown` fills them.
    """
    if not (focal > 0 and baseline > 0):
        raise DepthreelError(
            f"focal and baseline must be > 0, got focal={focal}, baseline={baseline}"
        )
    disp = np.asarray(disp, dtype=np.float32)
    valid = np.isfinite(disp) & (disp > 0)
    out = np.full(disp.shape, np.nan, dtype=np.float32)
    out[valid] = np.float32(focal * baseline) / disp[valid]
    return out


def fill_unknown(values: np.ndarray, valid_mask: np.ndarray | None = None) -> np.ndarray:
    """Fill unknown pixels (NaN, inf, and wherever `valid_mask` is False) from valid neighbours.

    Uses a push-pull pyramid: holes take the smooth average of the nearest valid values, at a
    cost linear in the pixel count even for large holes. For disparity, pass
    valid_mask=disp > 0 so that zeros count as unknown. Returns a float32 copy.
    """
    values = np.asarray(values, dtype=np.float32)
    if values.ndim != 2:
        raise ValueError(f"expected a 2-D map, got shape {values.shape}")
    valid = np.isfinite(values)
    if valid_mask is not None:
        if valid_mask.shape != values.shape:
            raise ValueError(f"mask shape {valid_mask.shape} does not match map {values.shape}")
        valid &= valid_mask.astype(bool)
    if not valid.any():
        raise DepthreelError("depth map has no valid values")
    clean = np.where(valid, values, 0.0).astype(np.float32)
    if valid.all():
        return clean
    return push_pull(clean, valid.astype(np.float32))


def _aspect_matches(src: tuple[int, int], dst: tuple[int, int]) -> bool:
    (h0, w0), (h1, w1) = src, dst
    ratio = (w0 / h0) / (w1 / h1)
    # Allow 1 %, or the rounding of one pixel on the map's shorter side.
    return abs(ratio - 1.0) <= max(ASPECT_TOLERANCE, 1.0 / min(h0, w0))


def resize_to(values: np.ndarray, shape: tuple[int, int], what: str = "depth map") -> np.ndarray:
    """Resize a 2-D map to shape (h, w); its aspect ratio must match within ~1 %.

    Area averaging when shrinking, bilinear when enlarging. Fill unknown pixels first: NaN would
    spread. Raises DepthreelError naming both sizes and aspects when the aspects differ.
    """
    values = np.asarray(values, dtype=np.float32)
    h, w = int(shape[0]), int(shape[1])
    h0, w0 = values.shape[:2]
    if (h0, w0) == (h, w):
        return values
    if not _aspect_matches((h0, w0), (h, w)):
        raise DepthreelError(
            f"{what} is {w0}x{h0} (aspect {w0 / h0:.3f}) but the photo is {w}x{h} "
            f"(aspect {w / h:.3f}); crop or resize it to the photo's aspect ratio"
        )
    shrinking = h * w < h0 * w0
    interp = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return cv2.resize(values, (w, h), interpolation=interp)


def _box(img: np.ndarray, radius: int) -> np.ndarray:
    return cv2.boxFilter(img, -1, (2 * radius + 1, 2 * radius + 1), borderType=cv2.BORDER_REFLECT)


def guided_coefficients(
    guide: np.ndarray, src: np.ndarray, radius: int, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """Colour guided filter (He et al.) linear coefficients, box-averaged.

    guide: (h, w, 3) float32, src: (h, w) float32. Returns (a, b) with a: (h, w, 3) and
    b: (h, w) such that the filtered output is sum(a * guide, axis=-1) + b.
    """
    guide = guide.astype(np.float32, copy=False)
    src = src.astype(np.float32, copy=False)
    mean_i = _box(guide, radius)
    mean_p = _box(src, radius)
    cov_ip = _box(guide * src[..., None], radius) - mean_i * mean_p[..., None]
    # Covariance of the guide's channels: 6 unique entries of a symmetric 3x3 matrix.
    pairs = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
    prod = np.stack([guide[..., i] * guide[..., j] for i, j in pairs], axis=-1)
    var = _box(prod, radius) - np.stack([mean_i[..., i] * mean_i[..., j] for i, j in pairs], -1)
    s00, s01, s02, s11, s12, s22 = (
        var[..., k] + (eps if k in (0, 3, 5) else 0.0) for k in range(6)
    )
    # Solve (sigma + eps I) a = cov_ip per pixel with the adjugate of the symmetric matrix.
    c00 = s11 * s22 - s12 * s12
    c01 = s02 * s12 - s01 * s22
    c02 = s01 * s12 - s02 * s11
    c11 = s00 * s22 - s02 * s02
    c12 = s01 * s02 - s00 * s12
    c22 = s00 * s11 - s01 * s01
    inv_det = 1.0 / (s00 * c00 + s01 * c01 + s02 * c02)
    p0, p1, p2 = cov_ip[..., 0], cov_ip[..., 1], cov_ip[..., 2]
    a = np.stack(
        [
            (c00 * p0 + c01 * p1 + c02 * p2) * inv_det,
            (c01 * p0 + c11 * p1 + c12 * p2) * inv_det,
            (c02 * p0 + c12 * p1 + c22 * p2) * inv_det,
        ],
        axis=-1,
    ).astype(np.float32)
    b = mean_p - np.einsum("hwc,hwc->hw", a, mean_i)
    return _box(a, radius), _box(b.astype(np.float32), radius)


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """Edge-aware smoothing of `src` (h, w) following the colour edges of `guide` (h, w, 3)."""
    a, b = guided_coefficients(guide, src, radius, eps)
    return (np.einsum("hwc,hwc->hw", a, guide.astype(np.float32, copy=False)) + b).astype(
        np.float32
    )


def upsample_guided(
    depth_small: np.ndarray,
    guide_rgb: np.ndarray,
    radius: int | None = None,
    eps: float = 1e-3,
) -> np.ndarray:
    """Upsample a low-resolution map to the guide's size so its edges follow the guide's.

    Fast guided upsampling: the guided-filter coefficients are fitted at the map's resolution
    against a shrunk copy of the guide, upsampled bilinearly, and applied to the full-resolution
    guide. Cost at full resolution is a few passes over the image. Returns float32 >= 0 when the
    input is >= 0 (the output is clipped to the input's range).
    """
    depth_small = np.asarray(depth_small, dtype=np.float32)
    h, w = guide_rgb.shape[:2]
    hs, ws = depth_small.shape
    guide = guide_rgb.astype(np.float32, copy=False)
    guide_small: np.ndarray = guide
    if (hs, ws) != (h, w):
        guide_small = cv2.resize(guide, (ws, hs), interpolation=cv2.INTER_AREA)
    if radius is None:
        radius = max(1, round(max(hs, ws) / 256))
    a, b = guided_coefficients(guide_small, depth_small, radius, eps)
    if (hs, ws) != (h, w):
        a = cv2.resize(a, (w, h), interpolation=cv2.INTER_LINEAR)
        b = cv2.resize(b, (w, h), interpolation=cv2.INTER_LINEAR)
    out = cv2.transform(cv2.multiply(a, guide), np.ones((1, 3), dtype=np.float32))
    out = cv2.add(out, b)
    lo, hi = float(depth_small.min()), float(depth_small.max())
    return np.clip(out, lo, hi, out=out)
