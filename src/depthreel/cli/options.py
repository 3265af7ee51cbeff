"""Parsing of NAME:key=value,... specs and the render options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from depthreel.errors import DepthreelError

DEPTH_KINDS = ("inverse", "disparity", "metric")


def parse_value(text: str) -> Any:
    """'0.4' -> 0.4, '3' -> 3, 'true' -> True, anything else stays a string."""
    lowered = text.lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def parse_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """'fog:density=0.4,color=#aabbcc' -> ('fog', {'density': 0.4, 'color': '#aabbcc'})."""
    name, _, rest = spec.partition(":")
    name = name.strip()
    if not name:
        raise DepthreelError(f"'{spec}' names nothing; expected NAME or NAME:key=value,...")
    options: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise DepthreelError(f"'{item}' in '{spec}' is not key=value")
        options[key.strip().replace("-", "_")] = parse_value(value.strip())
    return name, options


def render_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options that choose how a photo becomes a clip (shared by render-like commands)."""
    decorators = [
        click.option(
            "--preset", "-p", default="reels", show_default=True, help="Export preset name."
        ),
        click.option("--motion", "-m", help="Camera motion, e.g. dolly or circle:intensity=1.5."),
        click.option("--intensity", type=float, help="Motion strength (1 = default)."),
        click.option("--easing", help="Motion easing: linear, smooth, sine, in, out."),
        click.option("--reverse", is_flag=True, help="Run the motion backwards."),
        click.option(
            "--effect",
            "-e",
            "effects",
            multiple=True,
            help="Effect, repeatable, applied in order, e.g. -e vignette:strength=0.5.",
        ),
        click.option("--duration", "-d", type=float, help="Clip length in seconds."),
        click.option("--fps", type=float, help="Frames per second."),
        click.option("--estimator", help="Depth estimator (default: best available)."),
        click.option(
            "--depth",
            "depth_file",
            type=click.Path(path_type=Path),
            help="Use this depth map (PNG 8/16-bit or .npy) instead of estimating.",
        ),
        click.option(
            "--depth-kind",
            type=click.Choice(DEPTH_KINDS),
            default="inverse",
            show_default=True,
            help="inverse: larger = nearer; disparity: px for a unit baseline; metric: distance.",
        ),
        click.option(
            "--inpainter",
            default="diffusion",
            show_default=True,
            help="Fills the background revealed behind the foreground.",
        ),
        click.option(
            "--stereo",
            type=click.Choice(["sbs", "hsbs"]),
            help="Stereo side by side for VR: sbs (double width) or hsbs (half width each).",
        ),
        click.option("--no-cache", is_flag=True, help="Do not reuse or store depth and layers."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def build_settings(
    preset: str,
    motion: str | None,
    intensity: float | None,
    easing: str | None,
    reverse: bool,
    effects: tuple[str, ...],
    duration: float | None,
    fps: float | None,
    estimator: str | None,
    depth_file: Path | None,
    depth_kind: str,
    inpainter: str = "diffusion",
    stereo: str | None = None,
    no_cache: bool = False,
) -> Any:
    """RenderSettings from the shared render options."""
    from depthreel.pipeline import RenderSettings

    motion_name, motion_options = parse_spec(motion) if motion else (None, {})
    if intensity is not None:
        motion_options["intensity"] = intensity
    if easing is not None:
        motion_options["easing"] = easing
    if reverse:
        motion_options["reverse"] = True
    if duration is not None and not 0.1 <= duration <= 600:
        raise DepthreelError(f"--duration {duration} must be between 0.1 and 600 seconds")
    if fps is not None and not 1 <= fps <= 240:
        raise DepthreelError(f"--fps {fps} must be between 1 and 240")
    return RenderSettings(
        preset=preset,
        motion=motion_name,
        motion_options=motion_options,
        effects=[parse_spec(spec) for spec in effects],
        duration=duration,
        fps=fps,
        estimator=estimator,
        depth_file=depth_file,
        depth_kind=depth_kind,
        inpainter=inpainter,
        stereo=stereo,
        no_cache=no_cache,
    )
