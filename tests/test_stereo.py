"""Stereo output: side-by-side eyes with the subject at screen depth and the far wall behind."""

from __future__ import annotations

import cv2
import imageio_ffmpeg
import numpy as np
from click.testing import CliRunner
from conftest import probe
from PIL import Image

from depthreel.cli import cli
from depthreel.scene import CameraPose
from depthreel.stereo import eye_poses, frame_size, side_by_side


def test_eye_poses_straddle_the_pose_and_converge_on_the_focus_plane():
    from depthreel.render.project import project_points
    from depthreel.scene import Intrinsics

    cam = Intrinsics.centered(100, 100, 80.0)
    left, right = eye_poses(CameraPose(x=0.1), focus_depth=2.0)
    assert left.x < 0.1 < right.x and right.x - left.x > 0
    for eye in (left, right):
        u, _, _ = project_points(np.array([50.0]), np.array([50.0]), np.array([2.0]), cam, eye, cam)
        centre = project_points(
            np.array([50.0]), np.array([50.0]), np.array([2.0]), cam, CameraPose(x=0.1), cam
        )[0]
        assert u[0] == centre[0] or abs(u[0] - centre[0]) < 1e-6


def test_side_by_side_sizes():
    a = np.zeros((4, 6, 3), np.uint8)
    b = np.full((4, 6, 3), 255, np.uint8)
    assert side_by_side(a, b, "sbs").shape == (4, 12, 3)
    half = side_by_side(a, b, "hsbs")
    assert half.shape == (4, 6, 3) and half[:, :3].max() == 0 and half[:, 3:].min() == 255
    assert frame_size(1080, 1920, "sbs") == (2160, 1920) and frame_size(1080, 1920, "hsbs") == (
        1080,
        1920,
    )


def test_render_stereo_sbs(tmp_path):
    rng = np.random.default_rng(5)
    h, w = 640, 360
    wall = (rng.random((h // 8, w // 8, 3)) * 255).astype(np.uint8)
    image = np.asarray(Image.fromarray(wall).resize((w, h), Image.NEAREST)).copy()
    inverse = np.full((h, w), 0.05, np.float32)
    image[270:370, 130:230] = [255, 40, 40]
    inverse[270:370, 130:230] = 1.0
    Image.fromarray(image).save(tmp_path / "s.png")
    np.save(tmp_path / "s-depth.npy", inverse)
    out = tmp_path / "vr.mp4"
    result = CliRunner().invoke(
        cli,
        [
            "render",
            str(tmp_path / "s.png"),
            "-o",
            str(out),
            "--preset",
            "preview",
            "--duration",
            "0.5",
            "--depth",
            str(tmp_path / "s-depth.npy"),
            "--stereo",
            "sbs",
            "--motion",
            "dolly",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    info = probe(out)
    assert (info.width, info.height, info.frames) == (720, 640, 12)
    reader = imageio_ffmpeg.read_frames(str(out))
    next(reader)
    frame = np.frombuffer(next(reader), np.uint8).reshape(640, 720, 3).astype(np.float32)
    eyes = frame[:, :360], frame[:, 360:]
    left, right = (eye.mean(axis=2) for eye in eyes)
    (wall_dx, _), _ = cv2.phaseCorrelate(left[20:200], right[20:200])

    def box_centre(eye):
        red = (eye[..., 0] > 200) & (eye[..., 1] < 90) & (eye[..., 2] < 90)
        columns = np.flatnonzero(red.sum(axis=0) > 100)  # columns that are mostly box
        return (columns.min() + columns.max()) / 2

    box_dx = box_centre(eyes[1]) - box_centre(eyes[0])
    assert wall_dx > 3, wall_dx  # the far wall appears behind the screen: shifted right
    assert abs(box_dx) < 1.5, box_dx  # the subject sits at screen depth
