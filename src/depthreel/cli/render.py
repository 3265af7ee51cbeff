"""`depthreel render`: one photo to one clip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from depthreel.cli.app import App, compile_notice, notice
from depthreel.cli.options import build_settings, output_flags, render_options


def default_output(photo: Path, container: str) -> Path:
    return Path(f"{photo.stem}.{container}")


@click.command()
@click.argument("photo", type=click.Path(path_type=Path))
@click.option(
    "--output", "-o", type=click.Path(path_type=Path), help="Output clip (default: PHOTO-NAME.mp4)."
)
@render_options
@output_flags("Overwrite an existing output file.", "No progress bar or summary.")
@click.pass_obj
def render(
    app: App, photo: Path, output: Path | None, force: bool, quiet: bool, **options: Any
) -> None:
    """Render PHOTO as a vertical parallax clip."""
    from depthreel.pipeline import render_clip, resolve_preset
    from depthreel.progress import make_progress_factory

    settings = build_settings(**options)
    if output is None:
        output = default_output(photo, resolve_preset(app.registry, settings).container)
    compile_notice(quiet, photo)
    report = render_clip(
        photo,
        output,
        settings,
        app.registry,
        notice,
        progress=make_progress_factory(quiet),
        force=force,
    )
    if not quiet:
        t = report.timings
        click.echo(
            f"wrote {report.output} ({report.width}x{report.height}, {report.frames} frames at "
            f"{report.fps:g} fps, motion {report.motion}, depth from {report.depth_source}) "
            f"in {t['total']:.1f} s: depth {t['depth']:.1f} s, scene {t['scene']:.1f} s, "
            f"frames {t['frames']:.1f} s"
        )


COMMANDS = [render]
