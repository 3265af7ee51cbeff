"""`depthreel preview`: a contact sheet of a few frames per motion, or per photo of a folder."""

from __future__ import annotations

from pathlib import Path

import click

from depthreel.cli.app import App, compile_notice, notice
from depthreel.cli.options import allow_huge_option, output_flags


@click.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option(
    "--output", "-o", type=click.Path(path_type=Path), required=True, help="Sheet (.png, .jpg)."
)
@click.option(
    "--motion",
    "-m",
    "motions",
    multiple=True,
    help="Motion spec, repeatable; 'auto' picks per photo (default: all motions; folder: dolly).",
)
@click.option("--effect", "-e", "effects", multiple=True, help="Effect spec, repeatable.")
@click.option("--frames", type=click.IntRange(1, 12), default=4, show_default=True)
@click.option(
    "--per-line", type=click.IntRange(1, 8), default=1, show_default=True, help="Rows side by side."
)
@click.option("--size", default="180x320", show_default=True, help="Tile size WIDTHxHEIGHT.")
@click.option("--estimator", help="Depth estimator (default: best available).")
@click.option("--inpainter", default="diffusion", show_default=True, help="Hidden-background fill.")
@click.option("--no-cache", is_flag=True, help="Do not reuse or store depth and layers.")
@click.option("--quality", type=click.IntRange(1, 100), default=85, help="JPEG quality.")
@output_flags("Overwrite an existing sheet.", "No progress or summary.")
@allow_huge_option
@click.pass_obj
def preview(
    app: App,
    source: Path,
    output: Path,
    motions: tuple[str, ...],
    effects: tuple[str, ...],
    frames: int,
    per_line: int,
    size: str,
    estimator: str | None,
    inpainter: str,
    no_cache: bool,
    quality: int,
    force: bool,
    quiet: bool,
    allow_huge: bool,
) -> None:
    """Contact sheet of SOURCE: a row of frames per motion (a photo) or per photo (a folder)."""
    import cv2

    from depthreel.cache import Cache
    from depthreel.contact import AutoMotion, contact_sheet
    from depthreel.errors import DepthreelError
    from depthreel.outputs import atomic_output, check_output
    from depthreel.pipeline import build_effects, build_motion
    from depthreel.specs import parse_size, parse_spec

    check_output(output, force)
    suffix = output.suffix.lower()
    if suffix not in (".png", ".jpg", ".jpeg"):
        raise DepthreelError(f"sheet {output} must end in .png or .jpg")
    if not source.exists():
        raise DepthreelError(f"{source} does not exist")
    compile_notice(quiet, source)
    registry = app.registry
    specs = [parse_spec(m) for m in motions]
    if not specs:
        names = ["dolly"] if source.is_dir() else registry.names("motion")
        specs = [(name, {}) for name in names]
    chosen = [
        AutoMotion(options) if name == "auto" else build_motion(registry, name, options)
        for name, options in specs
    ]
    effect_list = build_effects(registry, [parse_spec(e) for e in effects])

    def progress(label: str) -> None:
        if not quiet:
            click.echo(f"  {label}", err=True)

    sheet = contact_sheet(
        source,
        chosen,
        registry,
        notice,
        size=parse_size(size),
        columns=frames,
        effects=effect_list,
        estimator=estimator,
        on_row=progress,
        per_line=per_line,
        inpainter=inpainter,
        cache=None if no_cache else Cache.default(),
        allow_huge=allow_huge,
    )
    bgr = cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR)
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if suffix != ".png" else []
    ok, data = cv2.imencode(suffix, bgr, params)
    if not ok:
        raise DepthreelError(f"could not encode {output}")
    with atomic_output(output, force) as tmp:
        tmp.write_bytes(data.tobytes())
    if not quiet:
        click.echo(f"wrote {output} ({sheet.shape[1]}x{sheet.shape[0]}, {len(data) // 1024} KB)")


COMMANDS = [preview]
