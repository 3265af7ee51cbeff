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
from depthreel.effect import Effect
from depthreel.errors import DepthreelError, PluginError
from depthreel.frames import FrameRenderer, ordered_frames
from depthreel.framing import Framing
from depthreel.inpaint import Inpainter, get_inpainter
from depthreel.motion import Motion, MotionContext
from depthreel.outputs import atomic_output, check_output
from depthreel.path import (  # noqa: F401 (re-exported: the path planning used to live here)
    MAX_PARALLAX,
    NEAREST_SAFE_SHARE,
    PATH_SAMPLES,
    PathPlan,
    camera_path,
    path_displacement,
    plan_path,
    subject_context,
)
from depthreel.photo import Photo, load_photo
from depthreel.presets import ExportPreset
from depthreel.progress import ProgressFactory, silent_progress
from depthreel.registry import Registry
from depthreel.scene import CameraPose, Intrinsics, Layer
from depthreel.subject import Subject, find_subject
from depthreel.upscale import Upscaler, get_upscaler

DEFAULT_MOTION = "dolly"
AUTO_MOTION = "auto"  # --motion auto: depthreel.automotion picks the motion for the photo


@dataclass
class RenderSettings:
    """Everything `render` needs besides the photo; None means "the preset's or default"."""

    preset: str = "reels"
    motion: str | None = None
    motion_options: dict[str, Any] = field(default_factory=dict)
    effects: Sequence[tuple[str, dict[str, Any]]] = ()
    duration: float | None = None
    fps: float | None = None
    size: tuple[int, int] | None = None
    estimator: str | None = None
    depth_file: Path | None = None
    depth_kind: str = "inverse"
    inpainter: str = "diffusion"
    stereo: str | None = None  # "sbs" or "hsbs"
    no_cache: bool = False
    allow_huge: bool = False  # lift the decompression-bomb guard
    upscaler: str = "lanczos"  # enlarges the photo's crop when the output needs more pixels


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
    """The named preset with the command line's overrides (they win)."""
    preset: ExportPreset = registry.get("preset", settings.preset)
    width, height = settings.size or (None, None)
    return preset.with_overrides(
        duration=settings.duration, fps=settings.fps, width=width, height=height
    )


def motion_request(preset: ExportPreset, settings: RenderSettings) -> tuple[str, dict[str, Any]]:
    """The motion name and options: the command line's, over the preset's, over the default."""
    name = settings.motion or preset.motion or DEFAULT_MOTION
    options = dict(preset.motion_options) if name == preset.motion else {}
    if preset.loop:
        options["loop"] = True
    options.update(settings.motion_options)
    return name, options


def effect_request(
    preset: ExportPreset, settings: RenderSettings
) -> Sequence[tuple[str, dict[str, Any]]]:
    """The command line's effects, or else the preset's (specs like 'fog:density=0.3')."""
    from depthreel.specs import parse_spec

    return settings.effects or [parse_spec(spec) for spec in preset.effects]


def _instantiate(registry: Registry, kind: str, name: str, options: dict[str, Any]) -> Any:
    """Build a registered motion or effect; bad options and plugin crashes are one line."""
    cls = registry.get(kind, name)
    try:
        return cls(**options)
    except DepthreelError:
        raise
    except TypeError as exc:
        raise DepthreelError(f"{kind} '{name}': {exc}") from None
    except Exception as exc:
        raise plugin_failure(registry, kind, name, exc) from None


def plugin_failure(registry: Registry | None, kind: str, name: str, exc: Exception) -> PluginError:
    """An error naming the plugin whose motion or effect raised."""
    entry = registry.entries.get(kind, {}).get(name) if registry is not None else None
    plugin = entry.plugin if entry is not None else "?"
    message = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return PluginError(f"{kind} '{name}' from plugin '{plugin}' failed: {message}")


def build_motion(registry: Registry, name: str, options: dict[str, Any]) -> Motion:
    """Instantiate a registered motion with user options; bad options are one-line errors.

    The path's ends are tried once here, so a plugin motion that raises is named with its
    plugin before any work starts.
    """
    motion: Motion = _instantiate(registry, "motion", name, options)
    try:
        motion.pose(0.0)
        motion.pose(1.0)
    except DepthreelError:
        raise
    except Exception as exc:
        raise plugin_failure(registry, "motion", name, exc) from None
    return motion


def build_effects(registry: Registry, specs: Sequence[tuple[str, dict[str, Any]]]) -> list[Effect]:
    return [_instantiate(registry, "effect", name, options) for name, options in specs]


def crop_to_work(
    image: np.ndarray,
    framing: Framing,
    photo_size: tuple[int, int],
    upscale: int = cv2.INTER_CUBIC,
    upscaler: Upscaler | None = None,
) -> np.ndarray:
    """The framing's crop of `image` (any resolution with the photo's aspect) at working size.

    An enlarged crop goes through `upscaler` when one is given, else `upscale` interpolation.
    """
    h, w = image.shape[:2]
    sx, sy = w / photo_size[0], h / photo_size[1]
    x0, y0, cw, ch = framing.crop
    left, top = round(x0 * sx), round(y0 * sy)
    right, bottom = min(w, round((x0 + cw) * sx)), min(h, round((y0 + ch) * sy))
    region = image[top:bottom, left:right]
    size = framing.work_size
    shrinking = size[0] < region.shape[1]
    if upscaler is not None and not shrinking and size[0] > region.shape[1]:
        return upscaler.upscale(region, size)
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
    context: MotionContext = field(default_factory=MotionContext)
    times: np.ndarray | None = None

    def focus_depths(self) -> list[float]:
        """The subject's depth in each frame's camera, for effects that focus on it."""
        pivot = self.context.pivot() * self.subject.focus_depth
        return [
            max(float((pose.rotation() @ (pivot - [pose.x, pose.y, pose.z]))[2]), 1e-6)
            for pose in self.poses
        ]

    def frame_times(self) -> np.ndarray:
        count = len(self.poses)
        if self.times is not None:
            return self.times
        return np.linspace(0.0, 1.0, count) if count > 1 else np.zeros(1)


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
    upscaler: Upscaler | None = None,
) -> PreparedScene:
    """Find the subject, plan the crop for the motion, and build the layers to render."""
    from depthreel.depth.convert import upsample_guided

    subject = find_subject(depth.depth)
    depth_range = float(depth.depth.min()), float(depth.depth.max())
    photo_size = (photo.width, photo.height)
    camera = Intrinsics.from_focal_35mm(photo.width, photo.height, photo.focal_35mm)
    plan = plan_path(
        motion,
        subject,
        depth_range,
        photo_size,
        camera.focal,
        out_size,
        frames,
        serve=lambda poses: eye_path(poses, subject.focus_depth, stereo),
    )
    framing = plan.framing
    rgb = crop_to_work(photo.rgb, framing, photo_size, upscaler=upscaler)
    rgb = np.clip(rgb, 0.0, 1.0).astype(np.float32)
    small = crop_to_work(depth.depth, framing, photo_size, upscale=cv2.INTER_LINEAR)
    z = upsample_guided(small, rgb).astype(np.float32)
    identity = ""
    if cache is not None:
        digest = file_digest(photo.path) if photo.path.is_file() else ""
        enlarger = (upscaler.name, upscaler.options) if upscaler is not None else None
        identity = make_key(digest, depth.digest(), enlarger)
    layers, grid = layered_scene(rgb, z, framing, plan.served, inpainter, cache, identity)
    return PreparedScene(
        framing, layers, grid, plan.poses, subject, plan.motion, plan.context, plan.times
    )


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
    from depthreel.video import ThreadedWriter, VideoWriter, input_format

    start = time.perf_counter()
    check_output(output, force)
    preset = resolve_preset(registry, settings)
    motion_name, motion_options = motion_request(preset, settings)
    auto = motion_name == AUTO_MOTION
    if not auto:
        motion = build_motion(registry, motion_name, motion_options)
    effects = build_effects(registry, effect_request(preset, settings))
    inpainter = get_inpainter(registry, settings.inpainter)
    upscaler = get_upscaler(registry, settings.upscaler)
    cache = None if settings.no_cache else Cache.default()
    photo = load_photo(photo_path, allow_huge=settings.allow_huge)
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

    if auto:
        from depthreel.automotion import choose_motion

        mark = time.perf_counter()
        choice = choose_motion(
            registry, photo, depth, (preset.width, preset.height), motion_options
        )
        motion = choice.motion
        timings["auto"] = time.perf_counter() - mark
        notice(choice.summary())

    mark = time.perf_counter()
    size = (preset.width, preset.height)
    scene = prepare_scene(
        photo, depth, motion, size, preset.frame_count, inpainter, settings.stereo, cache, upscaler
    )
    del photo
    timings["scene"] = time.perf_counter() - mark

    mark = time.perf_counter()
    width, height = frame_size(preset.width, preset.height, settings.stereo or "")
    fmt = input_format(preset, width, height)  # what VideoWriter takes: packed yuv420p or RGB
    frames = FrameRenderer(scene, effects, settings.stereo, registry, pixel_format=fmt)
    render_time = 0.0
    bar = progress(frames.count, Path(output).name)
    try:
        with (
            atomic_output(output, force) as tmp,
            VideoWriter(tmp, width, height, preset) as video,
            ThreadedWriter(video) as sink,
        ):
            tick = time.perf_counter()
            for image in ordered_frames(frames):
                render_time += time.perf_counter() - tick  # waiting for the next frame
                sink.put(image)
                bar.update(1)
                tick = time.perf_counter()
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
