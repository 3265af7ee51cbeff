"""Conversions between inverse depth, disparity and metric depth; filling; resizing."""

from __future__ import annotations

import numpy as np
import pytest

from depthreel.depth.convert import (
    DEFAULT_FAR,
    disparity_to_depth,
    fill_unknown,
    guided_filter,
    inverse_to_depth,
    normalize_inverse,
    resize_to,
    upsample_guided,
)
from depthreel.errors import DepthreelError


def test_normalize_inverse_is_robust_to_outliers() -> None:
    inv = np.tile(np.linspace(0.0, 1.0, 100, dtype=np.float32), (50, 1))
    inv[0, 0] = 1e6  # one hot pixel must not squash the rest
    n = normalize_inverse(inv)
    assert n.dtype == np.float32 and n.min() == 0.0 and n.max() == 1.0
    assert 0.4 < n[10, 50] < 0.6
    assert np.all(np.diff(n[10]) >= 0)


def test_normalize_inverse_constant_and_nan() -> None:
    assert np.all(normalize_inverse(np.full((8, 8), 3.0)) == 0.0)
    inv = np.arange(64, dtype=np.float32).reshape(8, 8)
    inv[2, 2] = np.nan
    n = normalize_inverse(inv)
    assert np.isnan(n[2, 2]) and np.isfinite(n[~np.isnan(inv)]).all()
    with pytest.raises(DepthreelError, match="no valid values"):
        normalize_inverse(np.full((4, 4), np.nan))


def test_inverse_to_depth_maps_planes() -> None:
    n = np.array([[0.0, 0.5, 1.0]], dtype=np.float32)
    z = inverse_to_depth(n, near=1.0, far=10.0, normalized=True)
    assert z.dtype == np.float32
    np.testing.assert_allclose(z[0], [10.0, 1.0 / (0.1 + 0.5 * 0.9), 1.0], rtol=1e-5)
    # Relative input is normalised first; nearer (larger) input gives smaller Z.
    z2 = inverse_to_depth(np.array([[5.0, 7.0, 9.0]]))
    assert z2[0, 0] == pytest.approx(DEFAULT_FAR) and z2[0, 2] == pytest.approx(1.0)
    assert z2[0, 0] > z2[0, 1] > z2[0, 2]
    with pytest.raises(DepthreelError, match="near"):
        inverse_to_depth(n, near=2.0, far=1.0)


def test_disparity_to_depth() -> None:
    disp = np.array([[10.0, 20.0, 0.0, np.inf]], dtype=np.float32)
    z = disparity_to_depth(disp, focal=100.0, baseline=2.0)
    np.testing.assert_allclose(z[0, :2], [20.0, 10.0])
    assert np.isnan(z[0, 2:]).all()
    with pytest.raises(DepthreelError):
        disparity_to_depth(disp, focal=0.0)


def test_fill_unknown_keeps_valid_and_fills_from_neighbours() -> None:
    values = np.tile(np.linspace(1.0, 2.0, 64, dtype=np.float32), (48, 1))
    holey = values.copy()
    holey[10:30, 20:40] = np.nan
    holey[0, 0] = np.inf
    filled = fill_unknown(holey)
    assert np.isfinite(filled).all()
    known = np.isfinite(holey)
    np.testing.assert_array_equal(filled[known], values[known])
    # The hole lies between columns of 1.3 .. 1.6; the fill stays in that range and is smooth.
    hole = filled[10:30, 20:40]
    assert values[0, 18] <= hole.min() and hole.max() <= values[0, 41]
    assert np.abs(np.diff(hole, axis=1)).max() < 0.1


def test_fill_unknown_with_mask_and_all_invalid() -> None:
    disp = np.ones((16, 16), np.float32) * 4.0
    disp[4:8, 4:8] = 0.0
    filled = fill_unknown(disp, disp > 0)
    np.testing.assert_allclose(filled, 4.0)
    with pytest.raises(DepthreelError, match="depth map has no valid values"):
        fill_unknown(np.zeros((4, 4), np.float32), np.zeros((4, 4), bool))


def test_resize_to_checks_aspect() -> None:
    small = np.random.default_rng(0).random((30, 40)).astype(np.float32)
    big = resize_to(small, (300, 400))
    assert big.shape == (300, 400) and big.dtype == np.float32
    assert resize_to(small, (31, 40)).shape == (31, 40)  # one pixel of rounding is fine
    with pytest.raises(DepthreelError, match=r"40x30 \(aspect 1.333\).*1080x1920 \(aspect 0.562\)"):
        resize_to(small, (1920, 1080))


def _step_guide(h: int, w: int, x_edge: int) -> np.ndarray:
    guide = np.zeros((h, w, 3), np.float32)
    guide[:, x_edge:] = (0.9, 0.8, 0.2)
    guide[:, :x_edge] = (0.1, 0.2, 0.6)
    return guide


def test_upsample_guided_follows_guide_edges() -> None:
    guide = _step_guide(240, 320, 173)  # an edge not on the coarse grid
    depth_small = np.where(np.arange(40) >= 173 / 8, 1.0, 0.0).astype(np.float32)
    depth_small = np.tile(depth_small, (30, 1))
    out = upsample_guided(depth_small, guide)
    assert out.shape == (240, 320) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    row = out[120]
    assert row[165] < 0.15 and row[172] < 0.3 and row[174] > 0.7 and row[180] > 0.85
    # Plain bilinear upsampling would blur the edge over several pixels.
    assert row[174] - row[172] > 0.5


def test_guided_filter_smooths_within_regions_only() -> None:
    guide = _step_guide(64, 64, 32)
    noisy = np.where(np.arange(64) >= 32, 1.0, 0.0)[None, :] * np.ones((64, 1))
    noisy = (noisy + np.random.default_rng(1).normal(0, 0.1, (64, 64))).astype(np.float32)
    out = guided_filter(guide, noisy, radius=4, eps=1e-3)
    assert out[:, 4:28].std() < 0.05 and out[:, 36:60].std() < 0.05
    assert out[:, 36:60].mean() - out[:, 4:28].mean() > 0.9
