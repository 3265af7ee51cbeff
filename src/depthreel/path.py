"""Fit a motion to a photo: poses around the subject, toned down to stay safe, and the crop.

Used by `render` (through pipeline.prepare_scene), `--motion auto` and `preview`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from depthreel.errors import DepthreelError, PluginError
from depthreel.framing import Framing, plan_framing
from depthreel.motion import Motion, MotionContext
from depthreel.scene import CameraPose, Intrinsics
from depthreel.subject import Subject

PATH_SAMPLES = 48  # poses sampled along the path to plan the crop margin
NEAREST_SAFE_SHARE = 0.5  # the camera never moves closer than half the nearest depth
MAX_PARALLAX = 0.15  # nothing moves on screen by more than this share of the frame's long side


def path_displacement(
    poses: Sequence[CameraPose], camera: Intrinsics, depths: Sequence[float]
) -> float:
    """The largest on-screen movement (px) of any frame corner or the centre at these depths."""
    from depthreel.render.project import project_points

    w, h = camera.width, camera.height
    u = np.array([0.0, w - 1.0, 0.0, w - 1.0, w / 2])
    v = np.array([0.0, 0.0, h - 1.0, h - 1.0, h / 2])
    largest = 0.0
    for pose in poses:
        for z in depths:
            u2, v2, _ = project_points(u, v, np.full_like(u, z), camera, pose, camera)
            largest = max(largest, float(np.max(np.hypot(u2 - u, v2 - v))))
    return largest


def camera_path(
    motion: Motion,
    subject: Subject,
    frames: int,
    depth_range: tuple[float, float],
    camera: Intrinsics,
    ctx: MotionContext | None = None,
) -> tuple[list[CameraPose], Motion]:
    """Poses for every frame, in scene units, and the motion actually used.

    `ctx` carries the pivot (focus depth 1: poses are scaled to the subject's depth here). A
    motion that would carry the camera into the nearest surface, or move anything on screen
    by more than MAX_PARALLAX of the frame, is toned down (its intensity lowered).
    """
    ctx = ctx or MotionContext(focus_depth=1.0)
    ts = motion.frame_times(frames)
    nearest, farthest = depth_range
    budget = MAX_PARALLAX * max(camera.width, camera.height)
    poses: list[CameraPose] = []
    for _ in range(6):
        try:
            poses = [motion.pose(float(t), ctx).scaled(subject.focus_depth) for t in ts]
        except DepthreelError:
            raise
        except Exception as exc:
            raise PluginError(
                f"motion '{motion.name}' failed: {type(exc).__name__}: {exc}".splitlines()[0]
            ) from None
        sample = poses[:: max(1, len(poses) // PATH_SAMPLES)] + poses[-1:]
        deepest = max(pose.z for pose in poses)
        moved = path_displacement(sample, camera, (nearest, farthest))
        factor = min(
            1.0,
            NEAREST_SAFE_SHARE * nearest / deepest if deepest > 0 else 1.0,
            budget / moved if moved > 0 else 1.0,
        )
        if factor > 0.98:
            break
        motion = dataclasses.replace(motion, intensity=motion.intensity * factor * 0.98)
    return poses, motion


@dataclass
class PathPlan:
    """A motion fitted to a photo: the crop, the poses of every frame and the pivot used."""

    framing: Framing
    poses: list[CameraPose]
    motion: Motion
    context: MotionContext  # pivot and aspect; focus depth 1 (poses are scaled to the subject)
    times: np.ndarray  # clip time of every frame
    served: list[CameraPose]  # the sampled poses the crop (and the layers) must serve


def subject_context(
    subject: Subject, framing: Framing, photo_size: tuple[int, int], photo_focal: float
) -> MotionContext:
    """The subject's centre relative to the crop's centre, in tan-angle units (the pivot)."""
    x0, y0, cw, ch = framing.crop
    return MotionContext(
        focus_depth=1.0,
        pivot_x=(subject.center_x * photo_size[0] - (x0 + cw / 2)) / photo_focal,
        pivot_y=(subject.center_y * photo_size[1] - (y0 + ch / 2)) / photo_focal,
        aspect=framing.out.width / framing.out.height,
    )


def plan_path(
    motion: Motion,
    subject: Subject,
    depth_range: tuple[float, float],
    photo_size: tuple[int, int],
    photo_focal: float,
    out_size: tuple[int, int],
    frames: int,
    serve: Callable[[list[CameraPose]], list[CameraPose]] = list,
) -> PathPlan:
    """Fit the motion to the photo: poses around the subject, and the crop they need.

    The crop is centred on the subject where the photo allows; the pivot is where the subject
    lands in that crop, so the path is planned twice (the second time around the real pivot).
    `serve` maps sampled poses to the views that must be covered (e.g. both stereo eyes).
    """
    nearest, farthest = depth_range
    base_scale = out_size[0] / min(photo_size[0], photo_size[1] * out_size[0] / out_size[1])
    frame_camera = Intrinsics.centered(*out_size, photo_focal * base_scale)
    ctx = MotionContext(focus_depth=1.0, aspect=out_size[0] / out_size[1])
    requested = motion
    for attempt in range(2):
        poses, motion = camera_path(requested, subject, frames, depth_range, frame_camera, ctx=ctx)
        step = max(1, len(poses) // PATH_SAMPLES)
        served = serve(poses[::step] + poses[-1:])
        framing = plan_framing(
            photo_size,
            photo_focal,
            out_size,
            served,
            [nearest, subject.focus_depth, farthest],
            center=(subject.center_x, subject.center_y),
        )
        placed = subject_context(subject, framing, photo_size, photo_focal)
        if attempt == 1 or placed == ctx:
            break
        ctx = placed
    return PathPlan(framing, poses, motion, ctx, motion.frame_times(frames), served)
