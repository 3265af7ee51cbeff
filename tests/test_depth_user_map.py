"""User-supplied depth maps: formats, kinds, unknown values and one-line errors."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from depthreel.depth.user_map import load_depth_file, load_inverse_file, read_depth_array
from depthreel.errors import DepthreelError

SHAPE = (120, 160)


def _ramp(h: int = 60, w: int = 80) -> np.ndarray:
    """0 at the top row, 1 at the bottom row."""
    return np.repeat(np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None], w, axis=1)


def test_8bit_inverse_png(tmp_path: Path) -> None:
    path = tmp_path / "d.png"
    cv2.imwrite(str(path), (_ramp() * 255).astype(np.uint8))
    z = load_depth_file(path, "inverse", SHAPE, near=1.0, far=10.0)
    assert z.shape == SHAPE and z.dtype == np.float32 and np.isfinite(z).all()
    assert z[0].mean() == pytest.approx(10.0, rel=0.02)  # 0 = far plane
    assert z[-1].mean() == pytest.approx(1.0, rel=0.02)  # 255 = near plane
    assert np.all(np.diff(z[:, 80]) <= 1e-6)  # brighter = nearer


def test_16bit_png_rgb_equal_channels_and_tiff(tmp_path: Path) -> None:
    values16 = (_ramp() * 65535).astype(np.uint16)
    cv2.imwrite(str(tmp_path / "d16.png"), values16)
    raw = read_depth_array(tmp_path / "d16.png")
    assert raw.max() == 65535.0  # 16-bit precision kept
    grey_rgb = np.dstack([(_ramp() * 255).astype(np.uint8)] * 3)
    cv2.imwrite(str(tmp_path / "rgb.png"), grey_rgb)
    cv2.imwrite(str(tmp_path / "d.tif"), values16)
    cv2.imwrite(str(tmp_path / "d.jpg"), (_ramp() * 255).astype(np.uint8))
    for name in ("d16.png", "rgb.png", "d.tif", "d.jpg"):
        inv = load_inverse_file(tmp_path / name, "inverse", SHAPE)
        assert inv.shape == SHAPE and inv.min() >= 0.0 and inv.max() <= 1.0
        assert inv[-1].mean() > 0.95 and inv[0].mean() < 0.05, name


def test_metric_npy_fills_unknown(tmp_path: Path) -> None:
    z = 2.0 + 3.0 * _ramp()
    z[10:20, 10:20] = np.nan
    z[30, 30] = 0.0
    z[40, 40] = np.inf
    np.save(tmp_path / "z.npy", z)
    out = load_depth_file(tmp_path / "z.npy", "metric", (60, 80))
    assert np.isfinite(out).all() and out.min() >= 2.0 and out.max() <= 5.0
    # A hole takes the farthest of its nearest valid neighbours: here the row below it.
    assert out[15, 15] == pytest.approx(2.0 + 3.0 * 20 / 59, abs=1e-5)
    np.testing.assert_allclose(out[50], z[50], rtol=1e-6)
    inv = load_inverse_file(tmp_path / "z.npy", "metric", (60, 80))
    np.testing.assert_allclose(inv[50], 1.0 / z[50], rtol=1e-5)


def test_disparity_needs_focal_and_scales_with_resize(tmp_path: Path) -> None:
    disp = np.full((60, 80), 8.0, np.float32)
    disp[:5] = 0.0  # unknown
    np.save(tmp_path / "disp.npy", disp)
    z = load_depth_file(tmp_path / "disp.npy", "disparity", (60, 80), focal=400.0)
    np.testing.assert_allclose(z, 50.0, rtol=1e-5)
    # At twice the size, disparities in photo pixels double; focal is the photo's.
    z2 = load_depth_file(tmp_path / "disp.npy", "disparity", (120, 160), focal=800.0)
    np.testing.assert_allclose(z2, 50.0, rtol=1e-5)
    with pytest.raises(DepthreelError, match="focal length"):
        load_depth_file(tmp_path / "disp.npy", "disparity", SHAPE)


def test_constant_maps(tmp_path: Path) -> None:
    np.save(tmp_path / "c.npy", np.full((60, 80), 7.0, np.float32))
    z = load_depth_file(tmp_path / "c.npy", "inverse", SHAPE, far=12.0)
    np.testing.assert_allclose(z, 12.0)  # flat scene on the far plane
    np.testing.assert_allclose(load_depth_file(tmp_path / "c.npy", "metric", SHAPE), 7.0)


@pytest.mark.parametrize(
    ("setup", "kind", "message"),
    [
        (lambda p: None, "inverse", "does not exist"),
        (lambda p: p.write_text("not an image"), "inverse", "not an image or .npy"),
        (
            lambda p: cv2.imwrite(str(p), np.random.default_rng(0).integers(0, 255, (6, 8, 3))),
            "inverse",
            "colour image",
        ),
        (lambda p: cv2.imwrite(str(p), np.zeros((90, 80), np.uint8)), "inverse", "aspect"),
        (lambda p: cv2.imwrite(str(p), np.zeros((60, 80), np.uint8)), "metric", "no valid"),
        (lambda p: cv2.imwrite(str(p), np.zeros((60, 80), np.uint8)), "depth", "unknown"),
    ],
)
def test_errors_are_one_line(tmp_path: Path, setup, kind: str, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "map.png"
    setup(path)
    with pytest.raises(DepthreelError, match=message) as info:
        load_depth_file(path, kind, SHAPE, focal=100.0)
    assert "\n" not in str(info.value)


def test_npy_wrong_dimensions(tmp_path: Path) -> None:
    np.save(tmp_path / "v.npy", np.zeros((4, 5, 6, 2), np.float32))
    with pytest.raises(DepthreelError, match="2-D"):
        load_depth_file(tmp_path / "v.npy", "inverse", SHAPE)


def test_unknown_pixels_take_the_background_side(tmp_path: Path) -> None:
    """A hole on a depth edge is hidden background: it takes the far side, not an average."""
    disp = np.full((20, 30), 4.0, np.float32)  # background: small disparity
    disp[:, :12] = 20.0  # foreground on the left
    disp[5:15, 12:18] = np.inf  # unknown band right of the foreground edge
    np.save(tmp_path / "d.npy", disp)
    z = load_depth_file(tmp_path / "d.npy", "disparity", (20, 30), focal=100.0)
    np.testing.assert_allclose(z[5:15, 12:18], 100.0 / 4.0)
