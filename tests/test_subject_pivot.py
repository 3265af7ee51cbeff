"""End to end through prepare_scene: an off-centre subject found in the depth map stays put
on screen while the camera orbits, dolly-zooms, pushes or zooms towards it."""

from __future__ import annotations

import numpy as np
import pytest

from depthreel.depthmap import PhotoDepth
from depthreel.photo import Photo
from depthreel.pipeline import prepare_scene
from depthreel.render.renderer import Renderer

H, W = 480, 360
BOX = (slice(110, 190), slice(60, 130))  # upper left: the crop cannot centre on it


def off_centre_scene(tmp_path):
    rng = np.random.default_rng(2)
    rgb = np.repeat(rng.random((H // 6, W // 6, 1)), 6, axis=0).repeat(6, axis=1)
    rgb = np.broadcast_to(rgb * 0.5, (H, W, 3)).astype(np.float32).copy()
    rgb[BOX] = [0.95, 0.1, 0.1]
    depth = np.full((H, W), 6.0, np.float32)
    depth[BOX] = 1.5
    return Photo(rgb, tmp_path / "p.png"), PhotoDepth(depth, "test")


def inpaint(registry):
    return registry.get("inpainter", "diffusion")()


def red_centre(frame):
    red = (frame[..., 0] > 0.7) & (frame[..., 1] < 0.3)
    ys, xs = np.nonzero(red)
    return float(xs.mean()), float(ys.mean()), int(red.sum())


@pytest.mark.parametrize("name", ["orbit", "dolly-zoom", "dolly", "zoom", "circle"])
def test_off_centre_subject_stays_put(registry, tmp_path, name):
    photo, depth = off_centre_scene(tmp_path)
    motion = registry.get("motion", name)(intensity=1.0)
    scene = prepare_scene(photo, depth, motion, (180, 320), 9, inpaint(registry))
    ctx = scene.context
    assert ctx.pivot_x < -0.05 and ctx.pivot_y < -0.05  # the subject is up and to the left
    # No hole filling: the fill of what the move uncovers beside the box is not the box.
    renderer = Renderer(scene.layers, scene.camera, scene.framing.out, fill=False)
    centres = [red_centre(renderer.render(pose).rgb) for pose in scene.poses]
    x0, y0, area0 = centres[0]
    assert x0 < 90 and y0 < 160 and area0 > 200  # visible, off-centre
    for x, y, area in centres:
        assert (x, y) == pytest.approx((x0, y0), abs=1.5), name
        if name in ("orbit", "dolly-zoom", "circle"):
            assert area == pytest.approx(area0, rel=0.06), name  # and keeps its size


def test_focus_depth_follows_the_subject_as_the_camera_moves(registry, tmp_path):
    photo, depth = off_centre_scene(tmp_path)
    dolly = registry.get("motion", "dolly")()
    scene = prepare_scene(photo, depth, dolly, (180, 320), 5, inpaint(registry))
    focus = scene.focus_depths()
    subject = scene.subject.focus_depth
    assert focus[0] == pytest.approx(subject)
    assert focus[-1] < 0.9 * subject  # the camera moved towards it
    view = Renderer(scene.layers, scene.camera, scene.framing.out).render(scene.poses[-1])
    x, y, _ = red_centre(view.rgb)
    assert float(view.depth[round(y), round(x)]) == pytest.approx(focus[-1], rel=0.02)
