"""Photo in, clip out: depth, framing, layers, then frames rendered and encoded as a stream."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from depthreel.depthmap import PhotoDepth, photo_depth
from depthreel.effect import Effect, EffectContext
from depthreel.errors import DepthreelError, PluginError
from depthreel.framing import Framing
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


def plugin_failure(registry: Registry, kind: str, name: str, exc: Exception) -> PluginError:
    """An error naming the plugin whose motion or effect raised."""
    entry = registry.entries.get(kind, {}).get(name)
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


def prepare_scene(
    photo: Photo, depth: PhotoDepth, motion: Motion, out_size: tuple[int, int], frames: int
) -> PreparedScene:
    """Find the subject, plan the crop for the motion, and build the layers to render."""
    from depthreel.depth.convert import upsample_guided

    subject = find_subject(depth.depth)
    depth_range = float(depth.depth.min()), float(depth.depth.max())
    photo_size = (photo.width, photo.height)
    camera = Intrinsics.from_focal_35mm(photo.width, photo.height, photo.focal_35mm)
    plan = plan_path(motion, subject, depth_range, photo_size, camera.focal, out_size, frames)
    framing = plan.framing
    rgb = np.clip(crop_to_work(photo.rgb, framing, photo_size), 0.0, 1.0)
    small = crop_to_work(depth.depth, framing, photo_size, upscale=cv2.INTER_LINEAR)
    z = upsample_guided(small, rgb)
    layers = [Layer(rgb=rgb.astype(np.float32), depth=z.astype(np.float32))]
    return PreparedScene(
        framing, layers, plan.poses, subject, plan.motion, plan.context, plan.times
    )


def apply_effects(
    registry: Registry, effects: Sequence[Effect], frame: np.ndarray, ctx: EffectContext
) -> np.ndarray:
    """Apply the effects in order; a plugin effect that raises is named in the error."""
    for effect in effects:
        try:
            frame = effect.apply(frame, ctx)
        except DepthreelError:
            raise
        except Exception as exc:
            raise plugin_failure(registry, "effect", effect.name, exc) from None
    return frame


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
    motion_name, motion_options = motion_request(preset, settings)
    auto = motion_name == AUTO_MOTION
    if not auto:
        motion = build_motion(registry, motion_name, motion_options)
    effects = build_effects(registry, effect_request(preset, settings))
    photo = load_photo(photo_path)
    timings = {"load": time.perf_counter() - start}

    mark = time.perf_counter()
    depth = photo_depth(
        photo, registry, notice, settings.estimator, settings.depth_file, settings.depth_kind
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
    scene = prepare_scene(photo, depth, motion, (preset.width, preset.height), preset.frame_count)
    del photo
    timings["scene"] = time.perf_counter() - mark

    mark = time.perf_counter()
    renderer = Renderer(scene.layers, scene.framing.src, scene.framing.out)
    render_time = 0.0
    count = len(scene.poses)
    times, focus = scene.frame_times(), scene.focus_depths()
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
                        t=float(times[index]),
                        focus_depth=focus[index],
                        frame_index=index,
                    )
                    frame = apply_effects(registry, effects, frame, ctx)
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
