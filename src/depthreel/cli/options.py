"""Parsing of NAME:key=value,... specs and the render options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from depthreel.errors import DepthreelError
from depthreel.specs import parse_size, parse_spec, parse_value

__all__ = ["build_settings", "parse_size", "parse_spec", "parse_value", "render_options"]

DEPTH_KINDS = ("inverse", "disparity", "metric")

# --allow-huge: lift the decompression-bomb guard on photo size (render-like commands, depth).
allow_huge_option = click.option(
    "--allow-huge",
    is_flag=True,
    help="Read photos over 120 megapixels (trusted files only; they need a lot of memory).",
)


DEPTH_SOURCE_OPTIONS = [
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
]


QUIET_HELP = "Print nothing but errors and notices."


def output_flags(
    force_help: str, quiet_help: str = QUIET_HELP
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--force/-f and --quiet/-q, with each command's own words for what they do."""

    def apply(command: Callable[..., Any]) -> Callable[..., Any]:
        command = click.option("--quiet", "-q", is_flag=True, help=quiet_help)(command)
        return click.option("--force", "-f", is_flag=True, help=force_help)(command)

    return apply


def depth_source_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--estimator, --depth and --depth-kind: where a command's depth comes from."""
    for decorator in reversed(DEPTH_SOURCE_OPTIONS):
        command = decorator(command)
    return command


def render_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options that choose how a photo becomes a clip (shared by render-like commands)."""
    decorators = [
        click.option(
            "--preset", "-p", default="reels", show_default=True, help="Export preset name."
        ),
        click.option(
            "--motion",
            "-m",
            help="Motion, e.g. dolly or circle:intensity=1.5; 'auto' picks one for the photo.",
        ),
        click.option("--intensity", type=float, help="Motion strength (1 = default)."),
        click.option("--easing", help="Motion easing: linear, smooth, sine, in, out."),
        click.option("--reverse", is_flag=True, help="Run the motion backwards."),
        click.option(
            "--loop",
            is_flag=True,
            help="End where it starts for a seamless loop (one-way motions go there and back).",
        ),
        click.option(
            "--effect",
            "-e",
            "effects",
            multiple=True,
            help="Effect, repeatable, applied in order, e.g. -e vignette:strength=0.5.",
        ),
        click.option("--duration", "-d", type=float, help="Clip length in seconds."),
        click.option("--fps", type=float, help="Frames per second."),
        click.option("--size", help="Output size WIDTHxHEIGHT, e.g. 720x1280 (default: preset's)."),
        *DEPTH_SOURCE_OPTIONS,
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
        allow_huge_option,
        click.option(
            "--upscaler",
            default="lanczos",
            show_default=True,
            help="Enlarges the photo when the output needs more pixels than it has.",
        ),
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
    loop: bool = False,
    size: str | None = None,
    allow_huge: bool = False,
    upscaler: str = "lanczos",
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
    if loop:
        motion_options["loop"] = True
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
        size=parse_size(size) if size else None,
        estimator=estimator,
        depth_file=depth_file,
        depth_kind=depth_kind,
        inpainter=inpainter,
        stereo=stereo,
        no_cache=no_cache,
        allow_huge=allow_huge,
        upscaler=upscaler,
    )
