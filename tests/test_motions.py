"""Camera motions: poses at the ends of the path, loops, easing, reversal, focus plane still."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from depthreel.errors import DepthreelError
from depthreel.motion import EASINGS, MotionContext
from depthreel.scene import CameraPose, Intrinsics


def motion(registry, name, **options):
    return registry.get("motion", name)(**options)


def test_every_motion_starts_and_ends_as_specified(registry):
    ctx = MotionContext(focus_depth=1.0)
    expected_end = {
        "dolly": lambda p: p.z > 0.1 and p.x == 0,
        "zoom": lambda p: p.zoom > 1.05,
        "horizontal": lambda p: p.x > 0.05,
        "vertical": lambda p: p.y < -0.05,
        "circle": lambda p: abs(p.x) < 1e-9,
    }
    for name, check in expected_end.items():
        m = motion(registry, name)
        start, end = m.pose(0.0, ctx), m.pose(1.0, ctx)
        assert check(end), (name, end)
        if name in ("dolly", "zoom"):
            assert start == CameraPose.looking_at(), name
        if name == "horizontal":
            assert start.x == pytest.approx(-end.x)


def test_periodic_motion_closes_its_loop(registry):
    m = motion(registry, "circle")
    assert m.periodic
    a, b = m.pose(0.0), m.pose(1.0)
    for field in ("x", "y", "z", "zoom", "shift_x", "shift_y"):
        assert getattr(a, field) == pytest.approx(getattr(b, field), abs=1e-12)
    assert m.pose(0.5).x == pytest.approx(0.0, abs=1e-12) and m.pose(0.25).x > 0.05


def test_intensity_scales_the_path(registry):
    weak, strong = (
        motion(registry, "horizontal", intensity=0.5),
        motion(registry, "horizontal", intensity=2),
    )
    assert strong.pose(1.0).x == pytest.approx(4 * weak.pose(1.0).x)


def test_reverse_runs_backwards(registry):
    forward, backward = motion(registry, "dolly"), motion(registry, "dolly", reverse=True)
    for t in (0.0, 0.3, 1.0):
        assert backward.pose(t) == forward.pose(1.0 - t)


@pytest.mark.parametrize("name", sorted(EASINGS))
def test_easings_fix_the_ends_and_increase(name):
    ease = EASINGS[name]
    values = [ease(s) for s in np.linspace(0, 1, 21)]
    assert values[0] == pytest.approx(0) and values[-1] == pytest.approx(1)
    assert all(b >= a for a, b in itertools.pairwise(values))


def test_smooth_easing_starts_gently(registry):
    m = motion(registry, "dolly")
    assert m.pose(0.05).z < 0.1 * m.pose(0.5).z


def test_bad_motion_options_are_clear_errors(registry):
    with pytest.raises(DepthreelError, match="unknown easing 'bounce'"):
        motion(registry, "dolly", easing="bounce")
    with pytest.raises(DepthreelError, match="intensity"):
        motion(registry, "dolly", intensity=-1)


def test_focus_plane_centre_stays_still(registry):
    """The subject (centre of the focus plane) projects to the same pixel in every pose."""
    from depthreel.render.project import project_points

    cam = Intrinsics.centered(200, 300, 250.0)
    focus = 2.5
    for name in ("horizontal", "vertical", "circle", "dolly", "zoom"):
        m = motion(registry, name)
        for t in (0.0, 0.4, 1.0):
            pose = m.pose(t, MotionContext(focus_depth=1.0)).scaled(focus)
            u, v, _ = project_points(
                np.array([100.0]), np.array([150.0]), np.array([focus]), cam, pose, cam
            )
            assert (u[0], v[0]) == pytest.approx((100.0, 150.0), abs=1e-6), (name, t)


# --- the motion library: ends of every path, loops, share, pivot ---------------------------

ALL_MOTIONS = (
    "dolly",
    "dolly-out",
    "zoom",
    "dolly-zoom",
    "circle",
    "orbit",
    "swing",
    "horizontal",
    "vertical",
    "ken-burns",
    "handheld",
)
SUBJECT_STILL = set(ALL_MOTIONS) - {"ken-burns", "handheld"}  # these move the subject on purpose


def approx_pose(pose, **expected):
    """pose's fields equal `expected` (others default, i.e. zero or 1 for zoom)."""
    full = {**CameraPose().__dict__, **expected}
    for key, value in full.items():
        assert getattr(pose, key) == pytest.approx(value, abs=1e-9), (key, pose)


def project(pose, point, cam):
    from depthreel.render.project import project_points

    x, y, z = point
    u0, v0 = cam.focal * x / z + cam.cx, cam.focal * y / z + cam.cy
    u, v, _ = project_points(np.array([u0]), np.array([v0]), np.array([z]), cam, pose, cam)
    return float(u[0]), float(v[0])


def test_library_is_complete(registry):
    assert set(ALL_MOTIONS) <= set(registry.names("motion"))
    for name in ALL_MOTIONS:
        assert registry.get("motion", name).description


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [
        ("dolly", {}, {"z": 0.16}),
        ("dolly-out", {"z": 0.16}, {}),
        ("zoom", {}, {"z": 0.04, "zoom": 1.12}),
        ("dolly-zoom", {}, {"z": -0.3, "zoom": 1.3}),
        ("circle", {"y": -0.036, "shift_y": -0.036}, {"y": -0.036, "shift_y": -0.036}),
        ("swing", {}, {}),
        ("horizontal", {"x": -0.06, "shift_x": -0.06}, {"x": 0.06, "shift_x": 0.06}),
        ("vertical", {"y": 0.06, "shift_y": 0.06}, {"y": -0.06, "shift_y": -0.06}),
        # ken-burns: pushes the view sideways (x 0.03) and zooms 1.15, the pan adds -0.04 shift
        ("ken-burns", {}, {"x": 0.03, "zoom": 1.15, "shift_x": 0.03 - 0.04}),
        ("handheld", {}, {}),
    ],
)
def test_each_motion_starts_and_ends_as_specified(registry, name, start, end):
    m = motion(registry, name)
    a, b = m.pose(0.0), m.pose(1.0)
    approx_pose(a, **start)
    approx_pose(b, **end)


def test_orbit_arcs_around_the_subject(registry):
    m = motion(registry, "orbit")
    a, mid, b = m.pose(0.0), m.pose(0.5), m.pose(1.0)
    assert a.yaw == pytest.approx(-0.072) and b.yaw == pytest.approx(0.072)
    approx_pose(mid)
    # Camera positions stay at the subject's distance from the subject (1 focus depth).
    for pose in (a, b):
        assert np.hypot(pose.x, 1.0 - pose.z) == pytest.approx(1.0)
        assert pose.x * pose.yaw < 0  # left of the subject while turned right, and vice versa


def test_swing_and_handheld_move_in_between(registry):
    assert motion(registry, "swing").pose(0.25).x == pytest.approx(0.06)
    shake = [motion(registry, "handheld").pose(t) for t in np.linspace(0, 1, 30)]
    assert max(abs(p.x) for p in shake) > 0.005 and max(abs(p.roll) for p in shake) > 0.001
    assert max(abs(p.x) for p in shake) < 0.05 and max(abs(p.yaw) for p in shake) < 0.02


def test_handheld_is_deterministic_per_seed(registry):
    a, b = motion(registry, "handheld", seed=3), motion(registry, "handheld", seed=3)
    other = motion(registry, "handheld", seed=4)
    assert a.pose(0.37) == b.pose(0.37)
    assert a.pose(0.37) != other.pose(0.37)
    with pytest.raises(DepthreelError, match="speed"):
        motion(registry, "handheld", speed=0.5)


@pytest.mark.parametrize("name", ALL_MOTIONS)
def test_every_motion_loops_when_asked(registry, name):
    m = motion(registry, name, loop=True)
    assert m.closes
    for a, b in [(m.pose(0.0), m.pose(1.0))]:
        for key in ("x", "y", "z", "yaw", "pitch", "roll", "zoom", "shift_x", "shift_y"):
            assert getattr(a, key) == pytest.approx(getattr(b, key), abs=1e-12), key
    times = m.frame_times(8)
    assert times.tolist() == pytest.approx([i / 8 for i in range(8)])  # frame 8 == frame 0
    if not m.periodic:  # there and back: the far end is reached half way
        assert m.pose(0.5) == motion(registry, name).pose(1.0)


def test_one_way_clips_end_on_their_last_pose(registry):
    m = motion(registry, "dolly")
    assert not m.closes
    assert m.frame_times(5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert motion(registry, "circle").frame_times(4).tolist() == [0.0, 0.25, 0.5, 0.75]


def test_share_moves_then_holds(registry):
    full, half = motion(registry, "dolly"), motion(registry, "dolly", share=0.5)
    assert half.pose(0.25) == full.pose(0.5)
    assert half.pose(0.5) == half.pose(0.8) == full.pose(1.0)
    backward = motion(registry, "dolly", share=0.5, reverse=True)
    assert backward.pose(0.2) == full.pose(1.0) and backward.pose(1.0) == full.pose(0.0)
    for bad in (0, 1.5, "x"):
        with pytest.raises(DepthreelError, match="share"):
            motion(registry, "dolly", share=bad)


@pytest.mark.parametrize("name", sorted(SUBJECT_STILL))
def test_subject_off_centre_stays_put(registry, name):
    """With the pivot found left of and above the centre, the subject does not move on screen."""
    cam = Intrinsics.centered(180, 320, 300.0)
    ctx = MotionContext(focus_depth=1.0, pivot_x=-0.2, pivot_y=-0.15)
    focus = 2.5
    subject = (ctx.pivot_x * focus, ctx.pivot_y * focus, focus)
    home = project(CameraPose(), subject, cam)
    m = motion(registry, name, intensity=2.0)
    for t in (0.0, 0.3, 0.7, 1.0):
        pose = m.pose(t, ctx).scaled(focus)
        assert project(pose, subject, cam) == pytest.approx(home, abs=1e-6), (name, t)


def test_dolly_heads_for_the_subject(registry):
    ctx = MotionContext(pivot_x=0.2, pivot_y=-0.1)
    end = motion(registry, "dolly").pose(1.0, ctx)
    assert (end.x, end.y) == pytest.approx((0.2 * end.z, -0.1 * end.z))
    assert (end.shift_x, end.shift_y) == pytest.approx((0.0, 0.0), abs=1e-12)


def test_dolly_zoom_keeps_the_subject_size_and_swells_the_background(registry):
    cam = Intrinsics.centered(180, 320, 300.0)
    ctx = MotionContext(pivot_x=0.1, pivot_y=0.05)
    end = motion(registry, "dolly-zoom").pose(1.0, ctx)

    def size(pose, z):
        left = project(pose, (0.1 * z - 0.05 * z, 0.05 * z, z), cam)
        right = project(pose, (0.1 * z + 0.05 * z, 0.05 * z, z), cam)
        return right[0] - left[0]

    assert size(end, 1.0) == pytest.approx(size(CameraPose(), 1.0), rel=1e-9)
    assert size(end, 3.0) > 1.1 * size(CameraPose(), 3.0)
    assert size(end, 0.6) < size(CameraPose(), 0.6)
