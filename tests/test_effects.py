"""Effects on tiny synthetic scenes: exact values where the maths is simple, and the depth of
field judged by sharpness (variance of the Laplacian), blur and the absence of halos."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from depthreel.effect import EffectContext
from depthreel.errors import DepthreelError
from depthreel.lens import depth_of_field


def effect(registry, name, **options):
    return registry.get("effect", name)(**options)


def ctx(depth, t=0.0, focus=1.0, index=0):
    return EffectContext(
        depth=np.asarray(depth, np.float32), t=t, focus_depth=focus, frame_index=index
    )


def test_library_is_complete(registry):
    names = {"fog", "dof", "vignette", "light-falloff", "grade", "grain"}
    assert names <= set(registry.names("effect"))


def test_fog_thickens_with_depth(registry):
    frame = np.zeros((2, 3, 3), np.float32)
    depth = np.array([[1.0, 2.0, 5.0], [0.5, 3.0, 50.0]])
    fog = effect(registry, "fog", density=0.5, color="#ffffff", limit=1.0)
    out = fog.apply(frame, ctx(depth, focus=1.0))
    expected = 1.0 - np.exp(-0.5 * np.maximum(depth - 1.0, 0.0))
    assert out[..., 0] == pytest.approx(expected, abs=5e-5)
    assert out[0, 0].tolist() == [0, 0, 0] and out[1, 0].tolist() == [0, 0, 0]  # subject clear
    assert effect(registry, "fog", limit=0.8).amount(depth, 1.0).max() < 0.8
    grey = effect(registry, "fog", color="#808080").apply(frame + 0.9, ctx(depth))
    distance = np.abs(grey - 128 / 255).sum(axis=2)
    assert distance[1, 2] < distance[0, 2] < distance[0, 1] < distance[0, 0]  # far -> fog colour


def test_fog_colour_must_be_hex(registry):
    with pytest.raises(DepthreelError, match="#rrggbb"):
        effect(registry, "fog", color="blueish")
    assert effect(registry, "fog", color=0, limit=1).apply(
        np.ones((1, 1, 3), np.float32), ctx([[1e9]])
    ) == pytest.approx(np.zeros((1, 1, 3)), abs=1e-6)


def test_vignette_is_exact(registry):
    out = effect(registry, "vignette", strength=0.4).apply(
        np.ones((3, 3, 3), np.float32), ctx(np.ones((3, 3)))
    )
    assert out[1, 1] == pytest.approx([1, 1, 1])
    assert out[0, 0] == pytest.approx([0.6] * 3) and out[2, 2] == pytest.approx([0.6] * 3)
    assert out[0, 1] == pytest.approx([0.8] * 3)  # r^2 = 1/2 at an edge's middle


def test_light_falloff_is_exact(registry):
    depth = np.array([[0.5, 1.0, 2.0, 100.0]])
    out = effect(registry, "light-falloff", strength=0.5, floor=0.2).apply(
        np.full((1, 4, 3), 0.8, np.float32), ctx(depth, focus=1.0)
    )
    assert out[0, :, 1] == pytest.approx([0.8, 0.8, 0.4, 0.8 * 0.2])


def test_grade_is_exact(registry):
    frame = np.array([[[0.25, 0.5, 0.75]]], np.float32)
    c = ctx(np.ones((1, 1)))
    assert effect(registry, "grade", brightness=2).apply(frame, c)[0, 0] == pytest.approx(
        [0.5, 1.0, 1.0]
    )
    assert effect(registry, "grade", contrast=2).apply(frame, c)[0, 0] == pytest.approx(
        [0.0, 0.5, 1.0]
    )
    luma = 0.2126 * 0.25 + 0.7152 * 0.5 + 0.0722 * 0.75
    assert effect(registry, "grade", saturation=0).apply(frame, c)[0, 0] == pytest.approx(
        [luma] * 3
    )
    warm = effect(registry, "grade", warmth=0.2).apply(frame, c)[0, 0]
    assert warm == pytest.approx([0.25 * 1.1, 0.5, 0.75 * 0.9])
    with pytest.raises(DepthreelError, match="warmth"):
        effect(registry, "grade", warmth=3)


def test_grain_is_deterministic_per_frame(registry):
    frame = np.full((64, 48, 3), 0.5, np.float32)
    depth = np.ones((64, 48))
    a = effect(registry, "grain", amount=0.05, seed=1)
    b = effect(registry, "grain", amount=0.05, seed=1)
    first, again = a.apply(frame, ctx(depth, index=3)), b.apply(frame, ctx(depth, index=3))
    assert np.array_equal(first, again)
    assert not np.array_equal(first, a.apply(frame, ctx(depth, index=4)))
    noise = first - 0.5
    assert abs(float(noise.mean())) < 0.01 and 0.03 < float(noise.std()) < 0.07
    assert np.array_equal(noise[..., 0], noise[..., 2])  # monochrome


# --- depth of field ----------------------------------------------------------------------

H, W = 160, 120
SUBJECT = (slice(50, 110), slice(35, 85))


def dof_scene():
    """A grey textured wall at depth 8 behind a red textured card at depth 2."""
    rng = np.random.default_rng(5)
    texture = rng.random((H, W), dtype=np.float32)
    rgb = np.repeat(texture[..., None], 3, axis=2) * 0.6 + 0.2
    rgb[SUBJECT] = np.stack(
        [0.6 + 0.4 * texture[SUBJECT], 0.1 * texture[SUBJECT], 0.1 * texture[SUBJECT]], -1
    )
    depth = np.full((H, W), 8.0, np.float32)
    depth[SUBJECT] = 2.0
    return rgb.astype(np.float32), depth


def sharpness(image):
    return float(cv2.Laplacian(image.mean(axis=2), cv2.CV_32F).var())


def test_dof_keeps_the_focus_plane_sharp_and_blurs_the_far_plane():
    rgb, depth = dof_scene()
    out = depth_of_field(rgb, depth, focus_depth=2.0, aperture=5.0)
    assert np.array_equal(out[SUBJECT], rgb[SUBJECT])  # in focus: untouched
    wall = (slice(5, 40), slice(5, 115))
    assert sharpness(out[wall]) < 0.05 * sharpness(rgb[wall])
    assert out[wall].mean() == pytest.approx(rgb[wall].mean(), abs=0.02)  # blur keeps energy


def test_dof_leaves_no_halo_around_the_sharp_subject():
    rgb, depth = dof_scene()
    out = depth_of_field(rgb, depth, focus_depth=2.0, aperture=5.0)
    subject = np.zeros((H, W), np.uint8)
    subject[SUBJECT] = 1
    distance = cv2.distanceTransform(1 - subject, cv2.DIST_L2, 3)
    redness = out[..., 0] - out[..., 1:].mean(axis=2)
    for lo, hi in [(0.5, 2), (2, 4), (4, 8), (8, 20)]:
        ring = (distance > lo) & (distance <= hi)
        assert float(redness[ring].max()) < 0.02, (lo, hi)  # no subject colour spilled
        brightness = out[..., 1][ring].mean()  # and no dark fringe either
        assert brightness == pytest.approx(0.5, abs=0.05), (lo, hi)


def test_dof_near_blur_spreads_over_the_focus_plane():
    rgb, depth = dof_scene()
    depth[:, :10] = 0.5  # a near post on the left, in front of the focus plane at 8
    rgb[:, :10] = [0.0, 0.0, 1.0]
    out = depth_of_field(rgb, depth, focus_depth=8.0, aperture=4.0)
    blue = out[..., 2] - out[..., :2].mean(axis=2)
    assert blue[20:40, 12].mean() > 0.1  # the post's blur covers the sharp wall beside it
    assert blue[20:40, 30].max() < 0.01  # but not far away


def test_dof_effect_follows_the_subject_and_pulls_focus(registry):
    dof = effect(registry, "dof", pull_to=4.0)
    assert dof.focus_depth(ctx(np.ones((1, 1)), t=0.0, focus=2.0)) == pytest.approx(2.0)
    assert dof.focus_depth(ctx(np.ones((1, 1)), t=1.0, focus=2.0)) == pytest.approx(8.0)
    middle = dof.focus_depth(ctx(np.ones((1, 1)), t=0.5, focus=2.0))
    assert 1 / middle == pytest.approx(0.5 * (1 / 2.0 + 1 / 8.0))  # evenly in 1/Z
    rgb, depth = dof_scene()
    out = effect(registry, "dof", aperture=0.05).apply(rgb, ctx(depth, focus=2.0))
    assert np.array_equal(out[SUBJECT], rgb[SUBJECT])
    with pytest.raises(DepthreelError, match="aperture"):
        effect(registry, "dof", aperture=-1)


def test_effects_compose_in_order(registry):
    frame = np.full((1, 1, 3), 0.5, np.float32)
    c = ctx([[1.0]])
    bright, dark = effect(registry, "grade", brightness=2), effect(registry, "grade", contrast=0)
    from depthreel.frames import apply_effects

    assert apply_effects(registry, [bright, dark], frame, c)[0, 0, 0] == pytest.approx(0.5)
    assert apply_effects(registry, [dark, bright], frame, c)[0, 0, 0] == pytest.approx(1.0)


def test_a_raising_effect_is_named_with_its_plugin(pm):
    import types

    from depthreel.frames import apply_effects
    from depthreel.registry import Registry

    module = types.ModuleType("exploding")
    exec(
        "from dataclasses import dataclass\n"
        "from depthreel import hookimpl\n"
        "from depthreel.effect import Effect\n"
        "@dataclass\n"
        "class Boom(Effect):\n"
        "    name = 'boom'\n"
        "    def apply(self, frame, ctx):\n"
        "        raise ValueError('no frames today')\n"
        "@hookimpl\n"
        "def register_effects(register):\n"
        "    register(Boom)\n",
        module.__dict__,
    )
    pm.register(module, name="exploding")
    registry = Registry.from_plugin_manager(pm)
    boom = registry.get("effect", "boom")()
    with pytest.raises(DepthreelError, match="effect 'boom' from plugin 'exploding' failed: Value"):
        apply_effects(registry, [boom], np.zeros((2, 2, 3), np.float32), ctx(np.ones((2, 2))))


def test_dof_bands_in_threads_match_one_pass(monkeypatch):
    import depthreel.lens as lens

    rng = np.random.default_rng(1)
    rgb = rng.random((203, 121, 3), dtype=np.float32)
    depth = np.full((203, 121), 6.0, np.float32)
    depth[60:140, 30:90], depth[180:] = 2.0, 1.0  # a subject and something in front
    banded = depth_of_field(rgb, depth, 2.0, 9.0)
    monkeypatch.setattr(lens, "_bands", lambda height, step, count=2: [(0, height)])
    assert np.array_equal(banded, depth_of_field(rgb, depth, 2.0, 9.0))
