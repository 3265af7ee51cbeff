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
