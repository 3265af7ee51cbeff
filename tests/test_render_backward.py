"""Forward-map, backward-sample rendering: exact silhouettes, magnification, layers, seams."""

from __future__ import annotations

import numpy as np
import pytest

from depthreel.render import render_view
from depthreel.scene import CameraPose, Intrinsics, Layer

W, H, F = 64, 48, 40.0
INTR = Intrinsics.centered(W, H, F)


def bilinear(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """image (H, W, C) sampled bilinearly at (x, y), the points inside the grid."""
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    tx, ty = (x - x0)[..., None], (y - y0)[..., None]
    x1, y1 = np.minimum(x0 + 1, image.shape[1] - 1), np.minimum(y0 + 1, image.shape[0] - 1)
    top = (1 - tx) * image[y0, x0] + tx * image[y0, x1]
    bottom = (1 - tx) * image[y1, x0] + tx * image[y1, x1]
    return (1 - ty) * top + ty * bottom


def test_silhouette_after_a_subpixel_move_is_exact() -> None:
    # An opaque bar (columns 20-39) alone at depth 10, moved 2.3 px left: its coverage is the
    # tent-filtered box, so each edge pixel is covered exactly as far as it overlaps the bar.
    depth = np.full((H, W), np.nan, np.float32)
    depth[:, 20:40] = 10.0
    layer = Layer(np.full((H, W, 3), 0.8, np.float32), depth)
    view = render_view([layer], INTR, CameraPose(x=2.3 * 10.0 / F), INTR, fill=False)
    expected = np.zeros(W, np.float32)
    expected[18:37] = 1.0
    expected[17] = 0.3  # its point lies 0.3 px inside the first sample's footprint
    expected[37] = 0.7
    np.testing.assert_allclose(view.coverage[H // 2], expected, atol=1e-5)
    np.testing.assert_allclose(view.rgb[H // 2, :, 0], 0.8 * expected, atol=1e-5)
    # Coverage is conserved and centred on the moved bar: half a pixel is never lost or gained.
    uu = np.arange(W)
    assert view.coverage[H // 2].sum() == pytest.approx(20.0, abs=1e-4)
    centroid = (view.coverage[H // 2] * uu).sum() / view.coverage[H // 2].sum()
    assert centroid == pytest.approx(29.5 - 2.3, abs=1e-4)


@pytest.mark.parametrize("zoom", [1.4, 2.5])
def test_magnified_surface_is_sampled_exactly_without_cracks(zoom: float) -> None:
    # Zooming magnifies: several pixels per source sample. Every pixel shows the source
    # bilinearly interpolated at exactly the point it sees (zoom 2.5 needs wide footprints).
    rgb = np.random.default_rng(11).random((H, W, 3), dtype=np.float32)
    layer = Layer(rgb, np.full((H, W), 3.0, np.float32))
    view = render_view([layer], INTR, CameraPose(zoom=zoom), INTR, fill=False)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)
    x = (xx - INTR.cx) / zoom + INTR.cx
    y = (yy - INTR.cy) / zoom + INTR.cy
    inside = (x >= 0) & (x <= W - 1) & (y >= 0) & (y <= H - 1)
    np.testing.assert_allclose(view.coverage[inside], 1.0, atol=1e-5)
    np.testing.assert_allclose(view.rgb[inside], bilinear(rgb, x, y)[inside], atol=1e-5)


def test_stretched_slanted_surface_leaves_no_holes() -> None:
    # A wall receding to the right (depth 2 to 6), the camera moved far to the right: its
    # near part stretches to over two pixels per sample (wide footprints), without cracks.
    depth = np.linspace(2.0, 6.0, W, dtype=np.float32)[None, :] * np.ones((H, 1), np.float32)
    rgb = np.random.default_rng(12).random((H, W, 3), dtype=np.float32)
    view = render_view([Layer(rgb, depth)], INTR, CameraPose(x=2.0, shift_x=0.6), INTR, fill=False)
    covered = view.coverage > 0
    assert covered.mean() > 0.5
    # Inside the surface (its own border fades out over a magnified source pixel).
    inside = covered.copy()
    inside[:, :4] = inside[:, -4:] = inside[:4] = inside[-4:] = False
    for step in range(1, 5):
        inside[:, step:] &= covered[:, :-step]
        inside[:, :-step] &= covered[:, step:]
    assert inside.sum() > 500
    np.testing.assert_allclose(view.coverage[inside], 1.0, atol=1e-4)


def test_soft_edge_over_an_extension_layer_and_its_seam() -> None:
    # An LDI in miniature: the photo layer holds a near box (soft alpha 0.5 in its rightmost
    # two columns) in front of a far wall; the extension layer holds the wall hidden behind
    # the box. Moving the camera right uncovers part of the extension next to the box.
    wall = np.random.default_rng(13).random((H, W, 3), dtype=np.float32)
    box = np.zeros((H, W), bool)
    box[12:36, 20:40] = True
    photo_rgb = np.where(box[..., None], np.float32([0.9, 0.1, 0.1]), wall)
    photo_depth = np.where(box, 1.0, 4.0).astype(np.float32)
    alpha = np.ones((H, W), np.float32)
    alpha[12:36, 38:40] = 0.5
    extension_depth = np.where(box, 4.0, np.nan).astype(np.float32)
    layers = [Layer(photo_rgb, photo_depth, alpha), Layer(wall.copy(), extension_depth)]
    pose = CameraPose(x=0.05)  # the box moves 2 px left, the wall 0.5 px
    view = render_view(layers, INTR, pose, INTR, fill=False)
    rows = slice(14, 34)
    # Wall pixels, whether from the photo or the extension and across their seam, are whole
    # and exactly the wall: the wall's point of pixel j is j + 0.5.
    xs = np.arange(W - 1) + 0.5
    wall_at = 0.5 * (wall[:, :-1] + wall[:, 1:])
    for j in (10, 15, 40, 50, 38, 39):  # 38, 39: the extension, uncovered; 39: its seam
        np.testing.assert_allclose(view.coverage[rows, j], 1.0, atol=1e-5)
        np.testing.assert_allclose(view.rgb[rows, j], wall_at[rows, j], atol=1e-5)
    assert xs[39] == 39.5
    # The soft columns (now 36, 37) are half box over the wall behind them.
    for j in (36, 37):
        expected = 0.5 * np.float32([0.9, 0.1, 0.1]) + 0.5 * wall_at[rows, j]
        np.testing.assert_allclose(view.rgb[rows, j], expected, atol=1e-5)
        np.testing.assert_allclose(view.coverage[rows, j], 1.0, atol=1e-5)
    np.testing.assert_allclose(view.depth[rows, 30], 1.0, rtol=1e-5)
    np.testing.assert_allclose(view.depth[rows, 39], 4.0, rtol=1e-5)


@pytest.mark.parametrize(
    "pose",
    [
        CameraPose(z=1.9, yaw=0.6),  # the plane passes close to the camera, seen edge-on
        CameraPose(x=3.0, yaw=1.2),
        CameraPose(z=0.6, zoom=3.5, roll=0.7),
    ],
)
def test_colour_never_exceeds_coverage(pose: CameraPose) -> None:
    # Premultiplied colour stays within [0, coverage] and everything stays finite, also for
    # samples seen edge-on or stretched beyond what the renderer draws.
    depth = np.linspace(2.0, 8.0, W, dtype=np.float32)[None, :] * np.ones((H, 1), np.float32)
    rgb = np.random.default_rng(14).random((H, W, 3), dtype=np.float32)
    view = render_view([Layer(rgb, depth)], INTR, pose, INTR, fill=False)
    assert np.isfinite(view.rgb).all() and np.isfinite(view.depth).all()
    assert (view.coverage >= 0).all() and (view.coverage <= 1 + 1e-5).all()
    assert (view.rgb >= -1e-6).all()
    assert (view.rgb <= view.coverage[..., None] + 1e-5).all()


def test_bumpy_depth_leaves_no_cracks() -> None:
    # Estimated depth is noisy: here every other column is 1 % nearer, so after a 40 px move
    # neighbours land 1.4 and 0.6 px apart (pixels mid-way) although the mean slope is flat.
    # A sample's cell must reach half way to each neighbour, not just half the mean spacing.
    w = 160
    intr = Intrinsics.centered(w, H, F)
    rng = np.random.default_rng(13)
    bumps = 0.005 * (-1.0) ** np.arange(w) + 0.002 * rng.uniform(-1.0, 1.0, (H, w))
    depth = (1.0 + bumps).astype(np.float32)
    rgb = rng.random((H, w, 3), dtype=np.float32)
    view = render_view([Layer(rgb, depth)], intr, CameraPose(x=40.5 / F), intr, fill=False)
    inside = np.zeros((H, w), bool)
    inside[2:-2, 2 : w - 44] = True  # the plane moved ~40 px left
    np.testing.assert_allclose(view.coverage[inside], 1.0, atol=1e-5)
