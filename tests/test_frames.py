"""Frames of a prepared scene: RGB or packed for the encoder, in order from several threads."""

from __future__ import annotations

import numpy as np
import pytest

from depthreel.depthmap import PhotoDepth
from depthreel.frames import FrameRenderer, ordered_frames
from depthreel.photo import Photo
from depthreel.pipeline import prepare_scene
from depthreel.yuv import rgb_to_yuv420p


@pytest.fixture
def scene(registry, tmp_path):
    rng = np.random.default_rng(4)
    h, w = 240, 180
    rgb = np.repeat(rng.random((h // 4, w // 4, 3)), 4, axis=0).repeat(4, axis=1)
    rgb = rgb.astype(np.float32)
    depth = np.full((h, w), 5.0, np.float32)
    depth[80:160, 50:130] = 1.5
    motion = registry.get("motion", "circle")(intensity=1.0)
    inpainter = registry.get("inpainter", "diffusion")()
    return prepare_scene(
        Photo(rgb, tmp_path / "p.png"), PhotoDepth(depth, "test"), motion, (90, 160), 6, inpainter
    )


def test_packed_frames_are_the_rgb_frames_in_yuv420p(registry, scene):
    frames = FrameRenderer(scene, [registry.get("effect", "vignette")()])
    rgb = [frames.frame(i) for i in range(frames.count)]
    assert rgb[0].shape == (160, 90, 3) and rgb[0].dtype == np.uint8
    frames.pixel_format = "yuv420p"
    for index, image in enumerate(rgb):
        packed = frames.frame(index)
        assert packed.shape == (90 * 160 * 3 // 2,)
        # Packed straight from the float frame: at most a level from converting the 8-bit one.
        assert np.abs(packed.astype(int) - rgb_to_yuv420p(image)).max() <= 1
    assert not np.array_equal(rgb[0], rgb[-1])  # the camera moved


def test_stereo_frames_are_packed_side_by_side(scene):
    frames = FrameRenderer(scene, [], stereo="sbs")
    both = frames.frame(2)
    assert both.shape == (160, 180, 3)
    frames.pixel_format = "yuv420p"
    assert np.array_equal(frames.frame(2), rgb_to_yuv420p(both))


def test_threads_give_the_frames_in_order(scene):
    frames = FrameRenderer(scene, [])
    one = list(ordered_frames(frames, threads=1))
    two = list(ordered_frames(frames, threads=2))
    assert len(two) == frames.count
    assert all(np.array_equal(a, b) for a, b in zip(one, two, strict=True))
