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

from depthreel.cache import Cache, file_digest, make_key, pack_layers, unpack_layers
from depthreel.depthmap import PhotoDepth, photo_depth
from depthreel.effect import Effect, EffectContext
from depthreel.errors import DepthreelError
from depthreel.framing import Framing, plan_framing
from depthreel.inpaint import Inpainter
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
    inpainter: str = "diffusion"
    stereo: str | None = None  # "sbs" or "hsbs"
    no_cache: bool = False


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
    """A photo ready to render: framing, layers on their grid, and the camera path."""

    framing: Framing
    layers: list[Layer]
    camera: Intrinsics  # the layers' grid (the working crop, possibly padded)
    poses: list[CameraPose]
    subject: Subject
    motion: Motion


def eye_path(poses: Sequence[CameraPose], focus: float, stereo: str | None) -> list[CameraPose]:
    """The poses the layers must serve: the path itself, or both eyes of every pose."""
    if not stereo:
        return list(poses)
    from depthreel.stereo import eye_poses

    return [eye for pose in poses for eye in eye_poses(pose, focus)]


def layered_scene(
    rgb: np.ndarray,
    z: np.ndarray,
    framing: Framing,
    path: Sequence[CameraPose],
    inpainter: Inpainter,
    cache: Cache | None,
    identity: str,
) -> tuple[list[Layer], Intrinsics]:
    """The layered depth image for the working crop, from the cache when it was built before."""
    from depthreel.ldi import LDI_VERSION, build_ldi

    key = ""
    if cache is not None:
        rounded = [tuple(round(v, 6) for v in dataclasses.astuple(p)) for p in path]
        key = make_key(
            "ldi", LDI_VERSION, identity, framing, rounded, inpainter.name, inpainter.options
        )
        stored = cache.load("ldi", key)
        if stored is not None:
            try:
                return unpack_layers(stored)
            except (KeyError, ValueError):
                pass  # an entry from another version: rebuild it
    ldi = build_ldi(rgb, z, framing.src, path, inpainter)
    if cache is not None:
        cache.store("ldi", key, **pack_layers(ldi.layers, ldi.camera))
    return ldi.layers, ldi.camera


def prepare_scene(
    photo: Photo,
    depth: PhotoDepth,
    motion: Motion,
    out_size: tuple[int, int],
    frames: int,
    inpainter: Inpainter,
    stereo: str | None = None,
    cache: Cache | None = None,
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
    sample = eye_path(poses[::step] + poses[-1:], subject.focus_depth, stereo)
    framing = plan_framing(
        photo_size,
        camera.focal,
        out_size,
        sample,
        [nearest, subject.focus_depth, farthest],
        center=(subject.center_x, subject.center_y),
    )
    rgb = np.clip(crop_to_work(photo.rgb, framing, photo_size), 0.0, 1.0).astype(np.float32)
    small = crop_to_work(depth.depth, framing, photo_size, upscale=cv2.INTER_LINEAR)
    z = upsample_guided(small, rgb).astype(np.float32)
    identity = ""
    if cache is not None:
        identity = make_key(file_digest(photo.path) if photo.path.is_file() else "", depth.digest())
    layers, grid = layered_scene(rgb, z, framing, sample, inpainter, cache, identity)
    return PreparedScene(framing, layers, grid, poses, subject, motion)


def to_uint8(frame: np.ndarray) -> np.ndarray:
    """A float frame in [0, 1] as rounded, saturated uint8 (OpenCV: one pass, ~15x numpy)."""
    return np.asarray(cv2.convertScaleAbs(cv2.max(frame, 0.0), alpha=255.0))


class FrameRenderer:
    """Renders the frames of a prepared scene: layers, effects, stereo eyes, 8-bit output."""

    def __init__(
        self, scene: PreparedScene, effects: Sequence[Effect], stereo: str | None = None
    ) -> None:
        from depthreel.render.renderer import Renderer, View

        self.scene, self.effects, self.stereo = scene, list(effects), stereo
        self.renderer = Renderer(scene.layers, scene.camera, scene.framing.out)
        self.count = len(scene.poses)
        self._view_buffers = View.empty(scene.framing.out.height, scene.framing.out.width)

    def _view(self, pose: CameraPose, index: int) -> np.ndarray:
        # The View's buffers are reused frame after frame; the uint8 result is a new array.
        view = self.renderer.render(pose, into=self._view_buffers)
        frame = view.rgb
        if self.effects:
            ctx = EffectContext(
                depth=view.depth,
                t=index / max(1, self.count - 1),
                focus_depth=self.scene.subject.focus_depth,
                frame_index=index,
            )
            for effect in self.effects:
                frame = effect.apply(frame, ctx)
        return to_uint8(frame)

    def frame(self, index: int) -> np.ndarray:
        """Frame `index` of the clip as (H, W, 3) uint8 (both eyes side by side in stereo)."""
        pose = self.scene.poses[index]
        if not self.stereo:
            return self._view(pose, index)
        from depthreel.stereo import eye_poses, side_by_side

        left, right = eye_poses(pose, self.scene.subject.focus_depth)
        return side_by_side(self._view(left, index), self._view(right, index), self.stereo)


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
    from depthreel.stereo import frame_size
    from depthreel.video import ThreadedWriter, VideoWriter

    start = time.perf_counter()
    check_output(output, force)
    preset = resolve_preset(registry, settings)
    motion_name = settings.motion or preset.motion or DEFAULT_MOTION
    options = dict(preset.motion_options) if motion_name == preset.motion else {}
    motion = build_motion(registry, motion_name, {**options, **settings.motion_options})
    effect_specs = settings.effects or [(name, {}) for name in preset.effects]
    effects = build_effects(registry, effect_specs)
    inpainter = registry.get("inpainter", settings.inpainter)()
    cache = None if settings.no_cache else Cache.default()
    photo = load_photo(photo_path)
    timings = {"load": time.perf_counter() - start}

    mark = time.perf_counter()
    depth = photo_depth(
        photo,
        registry,
        notice,
        settings.estimator,
        settings.depth_file,
        settings.depth_kind,
        cache=cache,
    )
    timings["depth"] = time.perf_counter() - mark

    mark = time.perf_counter()
    size = (preset.width, preset.height)
    scene = prepare_scene(
        photo, depth, motion, size, preset.frame_count, inpainter, settings.stereo, cache
    )
    del photo
    timings["scene"] = time.perf_counter() - mark

    mark = time.perf_counter()
    frames = FrameRenderer(scene, effects, settings.stereo)
    width, height = frame_size(preset.width, preset.height, settings.stereo or "")
    render_time = 0.0
    bar = progress(frames.count, Path(output).name)
    try:
        with (
            atomic_output(output, force) as tmp,
            VideoWriter(tmp, width, height, preset) as video,
            ThreadedWriter(video) as sink,
        ):
            for index in range(frames.count):
                tick = time.perf_counter()
                image = frames.frame(index)
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
        frames=frames.count,
        width=width,
        height=height,
        fps=preset.fps,
        depth_source=depth.source,
        motion=scene.motion.name,
        timings=timings,
    )
