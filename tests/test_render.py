"""Renderer behaviour on tiny synthetic scenes with exact expectations."""

from __future__ import annotations

import numpy as np
import pytest

from depthreel.render import Renderer, View, project_points, render_view
from depthreel.scene import CameraPose, Intrinsics, Layer

W, H, F = 64, 48, 40.0
INTR = Intrinsics.centered(W, H, F)


def plane(z: float, rgb: np.ndarray | None = None, seed: int = 0) -> Layer:
    """A fronto-parallel plane at depth z with random (or given) colour."""
    if rgb is None:
        rgb = np.random.default_rng(seed).random((H, W, 3), dtype=np.float32)
    return Layer(rgb.astype(np.float32), np.full((H, W), z, np.float32))


def square_scene() -> tuple[Layer, np.ndarray]:
    """Near red square (Z=1) over a far plane (Z=4) striped in green, blue = 0.5."""
    u = np.arange(W, dtype=np.float32)
    rgb = np.zeros((H, W, 3), np.float32)
    rgb[..., 1] = 0.5 + 0.4 * np.sin(2 * np.pi * u / 16)
    rgb[..., 2] = 0.5
    depth = np.full((H, W), 4.0, np.float32)
    square = np.zeros((H, W), bool)
    square[16:32, 24:40] = True
    rgb[square] = (1.0, 0.0, 0.0)
    depth[square] = 1.0
    return Layer(rgb, depth), square


def assert_colour(rgb: np.ndarray, colour: list[float], atol: float) -> None:
    """Every pixel of rgb (..., 3) equals colour within atol."""
    np.testing.assert_allclose(
        rgb, np.broadcast_to(np.array(colour, np.float32), rgb.shape), atol=atol
    )


def stripe_phase(rgb: np.ndarray, rows: slice, cols: slice) -> float:
    """Phase (in pixels) of the period-16 green stripes over a region."""
    u = np.arange(W)[cols]
    green = rgb[rows, cols, 1].mean(axis=0)
    return float(np.angle(np.sum(green * np.exp(-2j * np.pi * u / 16))) * 16 / (2 * np.pi))


def test_project_points_pinhole_and_stereo() -> None:
    u, v = np.array([10.0, 32.0, 50.5]), np.array([5.0, 24.0, 40.0])
    z = np.array([1.0, 2.0, 8.0])
    u2, v2, z2 = project_points(u, v, z, INTR, CameraPose(x=1.0), INTR)
    np.testing.assert_allclose(u2, u - F / z)  # disparity f/Z, to the left
    np.testing.assert_allclose(v2, v)
    np.testing.assert_allclose(z2, z)
    # Dolly forward by 1 and zoom 2: points scale about the centre by 2 Z / (Z - 1).
    u2, v2, z2 = project_points(u, v, z, INTR, CameraPose(z=0.5, zoom=2.0), INTR)
    np.testing.assert_allclose(u2, INTR.cx + (u - INTR.cx) * 2 * z / (z - 0.5))
    np.testing.assert_allclose(z2, z - 0.5)
    # Yaw right by 90 degrees: the optical-axis point ends up at x = -Z, i.e. behind.
    u2, _, z2 = project_points([32.0], [24.0], [1.0], INTR, CameraPose(yaw=np.pi / 2), INTR)
    assert np.isnan(u2[0]) and np.isnan(z2[0])
    # A small yaw moves the centre left (camera turns right) by f tan(yaw).
    u2, _, _ = project_points([32.0], [24.0], [3.0], INTR, CameraPose(yaw=0.1), INTR)
    np.testing.assert_allclose(u2, [32.0 - F * np.tan(0.1)])
    # Absent depth is NaN, not an error.
    u2, _, _ = project_points([1.0, 2.0], [1.0, 1.0], [np.nan, 0.0], INTR, CameraPose(), INTR)
    assert np.isnan(u2).all()


@pytest.mark.parametrize(
    "pose",
    [
        CameraPose(x=0.1, y=-0.05),
        CameraPose(yaw=0.05, pitch=-0.03, roll=0.1),
        CameraPose(z=0.5, zoom=1.2, shift_x=0.02),
        CameraPose(x=0.2, z=-0.3, yaw=-0.04, roll=-0.2, zoom=0.9, shift_y=-0.03),
    ],
)
def test_kernel_projection_matches_project_points(pose: CameraPose) -> None:
    rgb = np.zeros((H, W, 3), np.float32)
    rgb[..., 1] = 1.0
    rgb[20, 37] = (1.0, 0.0, 0.0)  # one red sample on a green plane
    out = Intrinsics(F * 1.1, INTR.cx - 2, INTR.cy + 1, W - 4, H - 2)  # other size and focal
    view = render_view([plane(3.0, rgb)], INTR, pose, out, fill=False)
    red = view.rgb[..., 0]
    yy, xx = np.mgrid[0 : out.height, 0 : out.width]
    u2, v2, _ = project_points(37.0, 20.0, 3.0, INTR, pose, out)
    assert (red * xx).sum() / red.sum() == pytest.approx(float(u2), abs=0.1)
    assert (red * yy).sum() / red.sum() == pytest.approx(float(v2), abs=0.1)


def test_identity_reproduces_input() -> None:
    rng = np.random.default_rng(1)
    rgb = rng.random((H, W, 3), dtype=np.float32)
    depth = rng.uniform(1.0, 5.0, (H, W)).astype(np.float32)  # every pixel its own depth
    view = render_view([Layer(rgb, depth)], INTR, CameraPose(), INTR)
    np.testing.assert_allclose(view.rgb, rgb, atol=1e-6)
    np.testing.assert_allclose(view.depth, depth, rtol=1e-6)
    np.testing.assert_allclose(view.coverage, 1.0, atol=1e-6)


def test_disparity_moves_stripe_exactly_subpixel() -> None:
    d = 2.5
    rgb = np.zeros((H, W, 3), np.float32)
    rgb[:, 30] = 1.0
    layer = Layer(rgb, np.full((H, W), F / d, np.float32))
    view = render_view([layer], INTR, CameraPose(x=1.0), INTR, fill=False)
    row = view.rgb[H // 2, :, 0]
    expected = np.zeros(W, np.float32)
    expected[27] = expected[28] = 0.5  # the stripe at 30 - 2.5 = 27.5
    np.testing.assert_allclose(row[: W - 3], expected[: W - 3], atol=1e-6)
    np.testing.assert_allclose(view.depth[:, : W - 3], F / d, rtol=1e-6)


@pytest.mark.parametrize("shift", [0.5, 0.25])
def test_subpixel_translation_interpolates(shift: float) -> None:
    layer = plane(4.0, seed=2)
    view = render_view([layer], INTR, CameraPose(x=shift * 4.0 / F), INTR)
    src = layer.rgb
    expected = (1 - shift) * src[:, 1:-1] + shift * src[:, 2:]  # pixel p shows p + shift
    np.testing.assert_allclose(view.rgb[:, 1:-1], expected, atol=1e-5)
    assert not np.allclose(view.rgb[:, 1:-1], src[:, 1:-1], atol=0.01)
    np.testing.assert_allclose(view.coverage[:, :-1], 1.0, atol=1e-6)


def test_sideways_move_parallax_and_background_fill() -> None:
    layer, _ = square_scene()
    x = 0.0625  # square moves f x / 1 = 2.5 px, plane f x / 4 = 0.625 px
    view = render_view([layer], INTR, CameraPose(x=x), INTR)
    # Square: centroid of red moves by exactly its disparity.
    uu = np.arange(W)
    red_in, red_out = layer.rgb[..., 0], view.rgb[..., 0]
    cx_in = (red_in * uu).sum() / red_in.sum()
    cx_out = (red_out * uu).sum() / red_out.sum()
    assert cx_in - cx_out == pytest.approx(F * x / 1.0, abs=0.02)
    # Plane: phase of its stripes (left of the square, away from borders) moves by f x / 4.
    rows, cols = slice(2, H - 2), slice(2, 18)
    shift = stripe_phase(view.rgb, rows, cols) - stripe_phase(layer.rgb, rows, cols)
    assert shift == pytest.approx(F * x / 4.0, abs=0.02)
    np.testing.assert_allclose(view.depth[20, 20], 4.0, rtol=1e-5)
    np.testing.assert_allclose(view.depth[20, 30], 1.0, rtol=1e-5)
    # A disocclusion opened right of the square; it was filled with background, not red.
    assert np.isfinite(view.rgb).all() and np.isfinite(view.depth).all()
    hole = view.coverage < 0.5
    hole[:, W - 2 :] = False
    assert hole[16:32, 36:40].sum() >= 16  # a strip ~2 px wide, 16 rows tall
    assert hole.sum() == hole[16:32, 36:40].sum()
    assert (view.rgb[hole, 0] < 0.05).all()
    np.testing.assert_allclose(view.rgb[hole, 2], 0.5, atol=0.02)
    assert (view.depth[hole] > 3.5).all()
    # Filled output is never black: blue is the plane's 0.5 wherever the square is not.
    not_square = view.rgb[..., 0] < 0.5
    np.testing.assert_allclose(view.rgb[not_square, 2], 0.5, atol=0.02)


def test_wide_disocclusion_is_filled_from_the_far_side() -> None:
    layer, _ = square_scene()
    view = render_view([layer], INTR, CameraPose(x=0.15), INTR)  # square 6 px, plane 1.5 px
    hole = view.coverage < 0.5
    assert hole[16:32, 34:38].all()  # a 4 px wide gap right of the square
    assert (view.rgb[hole, 0] < 0.02).all()  # no red smeared in from the square
    np.testing.assert_allclose(view.rgb[hole, 2], 0.5, atol=0.01)
    np.testing.assert_allclose(view.depth[hole], 4.0, rtol=0.01)
    # Its green is a blur of the nearby background stripes (0.1 to 0.9), not the square's 0.
    assert (view.rgb[hole, 1] > 0.2).all()


def test_unfilled_holes_are_uncovered() -> None:
    layer, _ = square_scene()
    view = render_view([layer], INTR, CameraPose(x=0.0625), INTR, fill=False)
    # The square (cols 24-39) lands on 21.5-36.5, the plane's first sample right of it (40)
    # on 39.375. A surface's coverage falls off linearly over one pixel past its last sample:
    # column 37 is half the square's, 39 0.625 the plane's, 38 nobody's.
    hole = view.coverage == 0
    assert hole[16:32, 38].all() and hole.sum() == 16
    assert (view.rgb[hole] == 0).all() and (view.depth[hole] == 0).all()
    np.testing.assert_allclose(view.coverage[16:32, 37], 0.5, atol=1e-6)
    np.testing.assert_allclose(view.coverage[16:32, 39], 0.625, atol=1e-6)
    np.testing.assert_allclose(view.rgb[16:32, 37], [[0.5, 0.0, 0.0]] * 16, atol=1e-6)


@pytest.mark.parametrize("order", [0, 1])
def test_near_occludes_far_regardless_of_order(order: int) -> None:
    far = plane(4.0, np.full((H, W, 3), (0.0, 0.0, 1.0), np.float32))
    near_depth = np.full((H, W), np.nan, np.float32)
    near_depth[10:20, 10:20] = 1.0
    near = Layer(np.full((H, W, 3), (1.0, 0.0, 0.0), np.float32), near_depth)
    layers = [near, far] if order == 0 else [far, near]
    view = render_view(layers, INTR, CameraPose(x=0.05), INTR)
    # The square moved 2 px left, the plane 0.5 px: the square's inside is pure red.
    assert_colour(view.rgb[11:19, 9:17], [1.0, 0.0, 0.0], 1e-6)
    np.testing.assert_allclose(view.depth[11:19, 9:17], 1.0, rtol=1e-6)
    assert_colour(view.rgb[30:40, 30:40], [0.0, 0.0, 1.0], 1e-6)


def test_alpha_blends_over_the_surface_behind() -> None:
    far = plane(4.0, np.full((H, W, 3), (0.0, 0.0, 1.0), np.float32))
    fg_depth = np.full((H, W), np.nan, np.float32)
    fg_depth[10:30, 10:30] = 1.0
    alpha = np.zeros((H, W), np.float32)
    alpha[10:30, 10:30] = 1.0
    alpha[10:30, 20:30] = 0.5  # right half is a soft (half transparent) edge
    fg = Layer(np.full((H, W, 3), (1.0, 0.0, 0.0), np.float32), fg_depth, alpha)
    for pose in (CameraPose(), CameraPose(x=0.05)):  # fg moves 2 px, plane 0.5 px
        view = render_view([fg, far], INTR, pose, INTR)
        shift = round(F * pose.x)
        opaque = view.rgb[12:28, 12 - shift : 18 - shift]
        soft = view.rgb[12:28, 22 - shift : 28 - shift]
        assert_colour(opaque, [1.0, 0.0, 0.0], 1e-5)
        assert_colour(soft, [0.5, 0.0, 0.5], 1e-5)
        np.testing.assert_allclose(view.coverage[12:28, 12:28], 1.0, atol=1e-6)


def test_layered_soft_edge_composites_exactly_over_the_back_layer() -> None:
    # Integer disparities (fg 2 px, bg 1 px) make every splat a copy: the result must be the
    # textbook "over" of the shifted layers, soft edge included.
    yy, xx = np.mgrid[0:H, 0:W]
    alpha = np.clip((12.0 - np.hypot(xx - 32, yy - 24)) / 4.0, 0.0, 1.0).astype(np.float32)
    fg_rgb = np.random.default_rng(8).random((H, W, 3), dtype=np.float32)
    fg = Layer(fg_rgb, np.where(alpha > 0, 1.0, np.nan).astype(np.float32), alpha)
    bg = plane(2.0, seed=9)
    view = render_view([fg, bg], INTR, CameraPose(x=0.05), INTR)
    a = alpha[:, 2:-1, None]
    expected = a * fg_rgb[:, 2:-1] + (1 - a) * bg.rgb[:, 1:-2]
    np.testing.assert_allclose(view.rgb[:, : W - 3], expected, atol=1e-5)
    np.testing.assert_allclose(view.coverage[:, : W - 3], 1.0, atol=1e-6)
    soft = (a[..., 0] > 0) & (a[..., 0] < 0.5)  # depth follows the dominant surface
    np.testing.assert_allclose(view.depth[:, : W - 3][soft], 2.0)


@pytest.mark.parametrize(
    "pose",
    [CameraPose(zoom=1.3), CameraPose(z=0.6), CameraPose(z=0.4, zoom=1.1, x=0.05, yaw=0.02)],
)
def test_push_in_leaves_no_cracks(pose: CameraPose) -> None:
    layer = plane(2.0, seed=3)
    view = render_view([layer], INTR, pose, INTR, fill=False)
    np.testing.assert_allclose(view.coverage[1:-1, 1:-1], 1.0, atol=1e-3)


@pytest.mark.parametrize(
    ("near", "pose", "least"),
    [
        (1.5, CameraPose(z=0.4), 0.999),
        (1.5, CameraPose(x=0.3), 0.999),
        (1.5, CameraPose(z=0.3, y=0.2, roll=0.1), 0.999),
        # Steep: 6 % depth steps per row near the bottom, 1.5x magnified. Splats sized for a
        # fronto-parallel patch leave ~0.8 coverage between rows here.
        (1.2, CameraPose(z=0.4), 0.88),
    ],
)
def test_slanted_plane_stays_covered(near: float, pose: CameraPose, least: float) -> None:
    # Depth 4 (top) .. near (bottom): the splats must follow the slant's stretch, not just the
    # magnification of a fronto-parallel patch. The output is a crop, so no border gaps.
    depth = np.linspace(4.0 if near < 1.5 else 3.0, near, H, dtype=np.float32)
    layer = Layer(
        np.random.default_rng(4).random((H, W, 3), dtype=np.float32),
        depth[:, None] * np.ones((1, W), np.float32),
    )
    out = Intrinsics(F, INTR.cx - 10, INTR.cy - 10, W - 20, H - 20)
    view = render_view([layer], INTR, pose, out, fill=False)
    assert view.coverage.min() >= least


def test_renderer_reuses_buffers_without_leaking_frames() -> None:
    layer, _ = square_scene()
    renderer = Renderer([layer], INTR, INTR)
    into = View.empty(H, W)
    renderer.render(CameraPose(x=0.2, z=0.3), into)
    again = renderer.render(CameraPose(x=-0.05), into)
    fresh = render_view([layer], INTR, CameraPose(x=-0.05), INTR)
    assert again is into
    np.testing.assert_array_equal(again.rgb, fresh.rgb)
    np.testing.assert_array_equal(again.depth, fresh.depth)
    np.testing.assert_array_equal(again.coverage, fresh.coverage)


def test_margin_source_and_smaller_output() -> None:
    layer = plane(4.0, seed=5)
    out = Intrinsics(F, INTR.cx - 8, INTR.cy - 4, W - 16, H - 8)  # centred crop
    view = render_view([layer], INTR, CameraPose(), out)
    assert view.rgb.shape == (H - 8, W - 16, 3)
    np.testing.assert_allclose(view.rgb, layer.rgb[4:-4, 8:-8], atol=1e-6)


def test_invalid_layers_are_rejected() -> None:
    with pytest.raises(ValueError):
        Renderer([], INTR, INTR)
    small = Intrinsics.centered(W // 2, H, F)
    with pytest.raises(ValueError):
        Renderer([plane(2.0)], small, INTR)


def test_nothing_visible_gives_a_finite_black_frame() -> None:
    layer = plane(2.0, seed=10)
    view = render_view([layer], INTR, CameraPose(z=3.0), INTR)  # the camera passed the plane
    assert (view.coverage == 0).all()
    assert np.isfinite(view.rgb).all() and (view.rgb == 0).all()
    assert np.isfinite(view.depth).all()


def test_into_buffers_must_match() -> None:
    renderer = Renderer([plane(2.0)], INTR, INTR)
    with pytest.raises(ValueError):
        renderer.render(CameraPose(), View.empty(H, W + 1))
    wrong = View(np.zeros((H, W, 3)), np.zeros((H, W), np.float32), np.zeros((H, W), np.float32))
    with pytest.raises(ValueError):
        renderer.render(CameraPose(), wrong)


def test_surface_gradient_ignores_depth_edges_and_absent_samples() -> None:
    from depthreel.render.renderer import surface_gradient

    z = np.array([[1.0, 1.02, 1.04, 3.0, 3.03], [0.0, 1.03, 1.05, 3.01, 3.04]], np.float32)
    du, dv = surface_gradient(z)
    np.testing.assert_allclose(du[0], [0.02, 0.02, 0.02, 0.03, 0.03], atol=1e-6)
    np.testing.assert_allclose(du[1], [0.0, 0.02, 0.02, 0.03, 0.03], atol=1e-6)
    np.testing.assert_allclose(dv[:, 1:], 0.01, atol=1e-6)
    np.testing.assert_allclose(dv[:, 0], 0.0)


def test_surface_spread_is_half_the_slopes_difference_on_the_surface() -> None:
    from depthreel.render.source import surface_spread

    z = np.array([[1.0, 1.02, 1.0, 1.03, 3.0, 3.0]] * 3, np.float32)
    spread = surface_spread(z)
    # |slope right - slope left| / 2 where both stay on the surface (not at the borders, nor
    # next to the step at column 4); the rows agree, so no vertical spread.
    np.testing.assert_allclose(spread, [[0.0, 0.02, 0.025, 0.0, 0.0, 0.0]] * 3, atol=1e-6)


TINY_SCRIPT = """
import numpy as np
from depthreel.render import render_view
from depthreel.scene import CameraPose, Intrinsics, Layer
for w, h in ((16, 12), (24, 20)):
    cam = Intrinsics.centered(w, h, 20.0)
    rgb = np.zeros((h, w, 3), np.float32)
    rgb[..., 1] = 0.75
    view = render_view([Layer(rgb, np.full((h, w), 2.0, np.float32))], cam, CameraPose(x=0.01), cam)
    assert np.allclose(view.rgb[..., 1], 0.75, atol=1e-3) and view.coverage.mean() > 0.9
print("rendered")
"""


def test_tiny_sources_render_instead_of_hanging() -> None:
    """A source under ~40 px wide once left the scalar batch too small to make progress."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", TINY_SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and "rendered" in result.stdout, result.stderr
