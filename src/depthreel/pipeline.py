"""Photo in, clip out: depth, framing, layers, then frames rendered and encoded as a stream."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from depthreel.depthmap import PhotoDepth, photo_depth
from depthreel.effect import Effect, EffectContext
from depthreel.errors import DepthreelError
from depthreel.framing import Framing, plan_framing
from depthreel.motion import Motion, MotionContext
from depthreel.outputs import atomic_output, check_output
from depthreel.photo import Photo, load_photo
from depthreel.presets import ExportPreset
from depthreel.progress import ProgressFactory, silent_progress
from depthreel.registry import Registry
from depthreel.scene import CameraPose, Intrinsics, Layer
from depthreel.subject import Subject, find_subject

DEFAULT_MOTION = "dolly"
PATH_SAMPLES = 48  # poses sampled along the path to plan the crop margin
NEAREST_SAFE_SHARE = 0.5  # the camera never moves closer than half the nearest depth
MAX_PARALLAX = 0.15  # nothing moves on screen by more than this share of the frame's long side


@dataclass
class RenderSettings:
    """Everything `render` needs besides the photo; None means "the preset's or default"."""

    preset: str = "reels"
    motion: str | None = None
    motion_options: dict[str, Any] = field(default_factory=dict)
    effects: Sequence[tuple[str, dict[str, Any]]] = ()
    duration: float | None = None
    fps: float | None = None
    estimator: str | None = None
    depth_file: Path | None = None
    depth_kind: str = "inverse"
    allow_huge: bool = False  # lift the decompression-bomb guard


@dataclass
class RenderReport:
    """What was rendered and how long each stage took (seconds)."""

    output: Path
    frames: int
    width: int
    height: int
    fps: float
    depth_source: str
    motion: str
    timings: dict[str, float] = field(default_factory=dict)


def resolve_preset(registry: Registry, settings: RenderSettings) -> ExportPreset:
    preset: ExportPreset = registry.get("preset", settings.preset)
    return preset.with_overrides(duration=settings.duration, fps=settings.fps)


def build_motion(registry: Registry, name: str, options: dict[str, Any]) -> Motion:
    """Instantiate a registered motion with user options; bad options are one-line errors."""
    cls = registry.get("motion", name)
    try:
        motion: Motion = cls(**options)
        return motion
    except TypeError as exc:
        raise DepthreelError(f"motion '{name}': {exc}") from None


def build_effects(registry: Registry, specs: Sequence[tuple[str, dict[str, Any]]]) -> list[Effect]:
    effects = []
    for name, options in specs:
        cls = registry.get("effect", name)
        try:
            effects.append(cls(**options))
        except TypeError as exc:
            raise DepthreelError(f"effect '{name}': {exc}") from None
    return effects


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
) -> tuple[list[CameraPose], Motion]:
    """Poses for every frame, in scene units, and the motion actually used.

    A motion that would carry the camera into the nearest surface, or move anything on screen
    by more than MAX_PARALLAX of the frame, is toned down (its intensity lowered).
    """
    ctx = MotionContext(focus_depth=1.0)
    ts = np.linspace(0.0, 1.0, frames) if frames > 1 else np.zeros(1)
    nearest, farthest = depth_range
    budget = MAX_PARALLAX * max(camera.width, camera.height)
    poses: list[CameraPose] = []
    for _ in range(6):
        poses = [motion.pose(float(t), ctx).scaled(subject.focus_depth) for t in ts]
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


def crop_to_work(
    image: np.ndarray,
    framing: Framing,
    photo_size: tuple[int, int],
    upscale: int = cv2.INTER_CUBIC,
) -> np.ndarray:
    """The framing's crop of `image` (any resolution with the photo's aspect) at working size."""
    h, w = image.shape[:2]
    sx, sy = w / photo_size[0], h / photo_size[1]
    x0, y0, cw, ch = framing.crop
    left, top = round(x0 * sx), round(y0 * sy)
    right, bottom = min(w, round((x0 + cw) * sx)), min(h, round((y0 + ch) * sy))
    region = image[top:bottom, left:right]
    size = framing.work_size
    shrinking = size[0] < region.shape[1]
    interp = cv2.INTER_AREA if shrinking else upscale
    return np.asarray(cv2.resize(region, size, interpolation=interp))


@dataclass
class PreparedScene:
    """A photo ready to render: framing, layers on the working grid, and the camera path."""

    framing: Framing
    layers: list[Layer]
    poses: list[CameraPose]
    subject: Subject
    motion: Motion


def prepare_scene(
    photo: Photo, depth: PhotoDepth, motion: Motion, out_size: tuple[int, int], frames: int
) -> PreparedScene:
    """Find the subject, plan the crop for the motion, and build the layers to render."""
    from depthreel.depth.convert import upsample_guided

    subject = find_subject(depth.depth)
    nearest, farthest = float(depth.depth.min()), float(depth.depth.max())
    photo_size = (photo.width, photo.height)
    camera = Intrinsics.from_focal_35mm(photo.width, photo.height, photo.focal_35mm)
    base_scale = out_size[0] / min(photo.width, photo.height * out_size[0] / out_size[1])
    frame_camera = Intrinsics.centered(*out_size, camera.focal * base_scale)
    poses, motion = camera_path(motion, subject, frames, (nearest, farthest), frame_camera)
    step = max(1, len(poses) // PATH_SAMPLES)
    framing = plan_framing(
        photo_size,
        camera.focal,
        out_size,
        poses[::step] + poses[-1:],
        [nearest, subject.focus_depth, farthest],
        center=(subject.center_x, subject.center_y),
    )
    rgb = np.clip(crop_to_work(photo.rgb, framing, photo_size), 0.0, 1.0)
    small = crop_to_work(depth.depth, framing, photo_size, upscale=cv2.INTER_LINEAR)
    z = upsample_guided(small, rgb)
    layers = [Layer(rgb=rgb.astype(np.float32), depth=z.astype(np.float32))]
    return PreparedScene(framing, layers, poses, subject, motion)


def to_uint8(frame: np.ndarray) -> np.ndarray:
    return np.asarray(np.clip(frame * 255.0 + 0.5, 0, 255), dtype=np.uint8)


def render_clip(
    photo_path: Path,
    output: Path,
    settings: RenderSettings,
    registry: Registry,
    notice: Callable[[str], None],
    progress: ProgressFactory = silent_progress,
    force: bool = False,
) -> RenderReport:
    """Render `photo_path` to the clip `output` (written atomically); return what was done."""
    from depthreel.render.renderer import Renderer
    from depthreel.video import ThreadedWriter, VideoWriter

    start = time.perf_counter()
    check_output(output, force)
    preset = resolve_preset(registry, settings)
    motion_name = settings.motion or preset.motion or DEFAULT_MOTION
    options = dict(preset.motion_options) if motion_name == preset.motion else {}
    motion = build_motion(registry, motion_name, {**options, **settings.motion_options})
    effect_specs = settings.effects or [(name, {}) for name in preset.effects]
    effects = build_effects(registry, effect_specs)
    photo = load_photo(photo_path, allow_huge=settings.allow_huge)
    timings = {"load": time.perf_counter() - start}

    mark = time.perf_counter()
    depth = photo_depth(
        photo, registry, notice, settings.estimator, settings.depth_file, settings.depth_kind
    )
    timings["depth"] = time.perf_counter() - mark

    mark = time.perf_counter()
    scene = prepare_scene(photo, depth, motion, (preset.width, preset.height), preset.frame_count)
    del photo
    timings["scene"] = time.perf_counter() - mark

    mark = time.perf_counter()
    renderer = Renderer(scene.layers, scene.framing.src, scene.framing.out)
    render_time = 0.0
    count = len(scene.poses)
    bar = progress(count, Path(output).name)
    try:
        with (
            atomic_output(output, force) as tmp,
            VideoWriter(tmp, preset.width, preset.height, preset) as video,
            ThreadedWriter(video) as sink,
        ):
            for index, pose in enumerate(scene.poses):
                tick = time.perf_counter()
                view = renderer.render(pose)
                frame = view.rgb
                if effects:
                    ctx = EffectContext(
                        depth=view.depth,
                        t=index / max(1, count - 1),
                        focus_depth=scene.subject.focus_depth,
                        frame_index=index,
                    )
                    for effect in effects:
                        frame = effect.apply(frame, ctx)
                image = to_uint8(frame)
                render_time += time.perf_counter() - tick
                sink.put(image)
                bar.update(1)
    finally:
        bar.close()
    timings["frames"] = time.perf_counter() - mark
    timings["render"] = render_time
    timings["total"] = time.perf_counter() - start
    return RenderReport(
        output=Path(output),
        frames=count,
        width=preset.width,
        height=preset.height,
        fps=preset.fps,
        depth_source=depth.source,
        motion=scene.motion.name,
        timings=timings,
    )
