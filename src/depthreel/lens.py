"""Depth of field: a bokeh-like blur whose size grows with |1/Z - 1/Z_focus|.

One implementation shared by the `dof` effect and anything that refocuses a photo.

The frame is split by signed circle of confusion (CoC) into a far field (behind focus), the
in-focus band and a near field (in front). Each field is cut into a few depth slices, each
slice blurred with a disc of its own radius on a reduced grid (premultiplied by its weight),
and the slices are composited back to front. The far field is normalised by its coverage, so
the sharp subject's colour never enters the background blur (no halo) and the background
behind the subject's edge is extended from its neighbours. A near object's blur spreads over
what lies behind it, as in a real lens. Pixels whose CoC is smaller than the reduced grid's
step blend between sharp and blurred by their CoC.
"""

from __future__ import annotations

import itertools
import math
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

import cv2
import numpy as np

MAX_GRID_RADIUS = 6.0  # the reduced grid is chosen so the largest disc is at most this wide
SLICES = 4  # depth slices per field
IN_FOCUS = 0.25  # px of CoC below which a pixel stays perfectly sharp
EPS = 1e-6


def circle_of_confusion(
    depth: np.ndarray, focus_depth: float, aperture: float, max_radius: float
) -> np.ndarray:
    """Signed blur radius in px: aperture * (1 - Z_focus / Z), > 0 behind the focus plane.

    `aperture` is the radius of a point at infinity; the radius is clipped to +-max_radius.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        coc = aperture * (1.0 - focus_depth / depth.astype(np.float32))
    coc = np.nan_to_num(coc, nan=0.0, posinf=max_radius, neginf=-max_radius)
    return np.clip(coc, -max_radius, max_radius).astype(np.float32)


@lru_cache(maxsize=32)
def disc_kernel(radius: float) -> np.ndarray:
    """A normalised disc of `radius` px with an anti-aliased rim."""
    size = math.ceil(radius + 0.5)
    y, x = np.mgrid[-size : size + 1, -size : size + 1].astype(np.float32)
    kernel = np.clip(radius + 0.5 - np.hypot(x, y), 0.0, 1.0)
    return (kernel / kernel.sum()).astype(np.float32)


def _blur(image: np.ndarray, radius: float) -> np.ndarray:
    if radius < 0.5:
        return image
    kernel = disc_kernel(round(radius * 2) / 2)
    return np.asarray(cv2.filter2D(image, -1, kernel, borderType=cv2.BORDER_REFLECT))


def _slice_weights(radius: np.ndarray, radii: np.ndarray) -> list[np.ndarray]:
    """Tent weights of each pixel's radius over the slice radii (they sum to 1)."""
    position = np.interp(radius, radii, np.arange(len(radii), dtype=np.float32))
    return [np.clip(1.0 - np.abs(position - k), 0.0, 1.0) for k in range(len(radii))]


def _layered(
    field: np.ndarray, radius: np.ndarray, radii: np.ndarray, far_first: bool
) -> np.ndarray:
    """Composite the slices of a premultiplied (h, w, 4) field, each blurred by its radius."""
    acc = np.zeros_like(field)
    weights = _slice_weights(radius, radii)
    order = range(len(radii) - 1, -1, -1) if far_first else range(len(radii))
    for k in order:
        layer = _blur(field * weights[k][..., None], float(radii[k]))
        acc = layer + (1.0 - layer[..., 3:4]) * acc
    return acc


def depth_of_field(
    rgb: np.ndarray,
    depth: np.ndarray,
    focus_depth: float,
    aperture: float,
    max_radius: float | None = None,
) -> np.ndarray:
    """Blur `rgb` (H, W, 3 float32) as a lens focused at `focus_depth` would.

    depth: (H, W) distance Z > 0 of each pixel. aperture: blur radius in px of a point at
    infinity (things at half the focus distance get the same radius, nearer ones more, up to
    `max_radius`, default 2 * aperture). Returns a new float32 array.
    """
    from depthreel.lens_kernels import BEHIND, FAR, NEAR, composite, split_fields

    rgb = np.ascontiguousarray(rgb, np.float32)
    depth = np.ascontiguousarray(depth, np.float32)
    max_radius = 2.0 * aperture if max_radius is None else float(max_radius)
    if aperture <= 0 or max_radius < 0.5:
        return rgb.copy()
    h, w = depth.shape
    step = 1
    while max_radius / step > MAX_GRID_RADIUS and min(h, w) // (2 * step) >= 8:
        step *= 2
    params = (
        float(focus_depth),
        float(aperture),
        max_radius,
        IN_FOCUS,
        max(float(step), 1.0) - IN_FOCUS,
    )
    # Anything in front of the focus plane? (Most frames focus on their nearest subject.)
    with_near = float(depth.min()) < focus_depth * aperture / (aperture + IN_FOCUS)
    fields = np.empty((-(-h // step), -(-w // step), 15), np.float32)
    bands = _bands(h, step)
    _run(
        split_fields,
        [
            (rgb[a:b], depth[a:b], params, step, fields[a // step : -(-b // step)], with_near)
            for a, b in bands
        ],
    )
    radii = np.geomspace(1.0, max(max_radius / step, 1.0 + EPS), SLICES).astype(np.float32)

    def normalised(premultiplied: np.ndarray) -> np.ndarray:
        return premultiplied[..., :3] / np.maximum(premultiplied[..., 3:4], EPS)

    def radius(part: np.ndarray) -> np.ndarray:
        return part[..., 4] / np.maximum(part[..., 3], EPS) / step

    far_part = fields[..., FAR : FAR + 5]
    far = normalised(
        _layered(np.ascontiguousarray(far_part[..., :4]), radius(far_part), radii, True)
    )
    if with_near:
        # Behind a near object: the sharp-or-far-blurred rest of the frame, extended under it.
        rest = fields[..., BEHIND : BEHIND + 5]
        behind = np.dstack([rest[..., :3] + far * rest[..., 3:4], rest[..., 4]])
        behind = normalised(_blur(behind, float(radii[-1])))
        near_part = fields[..., NEAR : NEAR + 5]
        near = _layered(np.ascontiguousarray(near_part[..., :4]), radius(near_part), radii, False)
        blurred = np.ascontiguousarray(np.dstack([far, behind, near]), np.float32)
    else:
        blurred = np.zeros((*far.shape[:2], 10), np.float32)
        blurred[..., :3] = far
    out = np.empty_like(rgb)
    _run(
        composite,
        [(rgb[a:b], depth[a:b], params, step, blurred, out[a:b], with_near, a) for a, b in bands],
    )
    return out


def _bands(height: int, step: int, count: int = 2) -> list[tuple[int, int]]:
    """Row bands aligned to the reduced grid, one per worker (the kernels release the GIL)."""
    blocks = -(-height // step)
    if blocks < 2 * count:
        return [(0, height)]
    edges = [min(height, round(blocks * k / count) * step) for k in range(count + 1)]
    return list(itertools.pairwise(edges))


def _run(kernel: Any, calls: list[tuple[Any, ...]]) -> None:
    """Run the kernel on each band, in parallel threads when there are several."""
    if len(calls) == 1:
        kernel(*calls[0])
        return
    with ThreadPoolExecutor(len(calls)) as pool:
        for future in [pool.submit(kernel, *args) for args in calls]:
            future.result()
