"""`depthreel reel`: one reel from a whole album, with transitions, captions and music."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from depthreel.cli.app import App, notice
from depthreel.cli.batch import album_options, executor_options
from depthreel.cli.options import build_settings, output_flags, render_options


@click.command()
@click.argument("album_dir", type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=Path("reel.mp4"),
    show_default=True,
    help="The reel to write.",
)
@click.option(
    "--music",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Soundtrack (mp3, m4a, wav, ...); the reel fits its length unless --length is given.",
)
@click.option(
    "--length",
    type=float,
    help="Reel length in seconds [default: the music's, else each photo's clip duration].",
)
@click.option(
    "--transition",
    type=click.Choice(("crossfade", "cut")),
    default="crossfade",
    show_default=True,
    help="crossfade, or cut: a motion-matched hard cut (the camera keeps moving across it).",
)
@click.option(
    "--transition-time",
    type=float,
    default=0.5,
    show_default=True,
    help="Crossfade length in seconds.",
)
@click.option(
    "--captions",
    type=click.Choice(("album", "date", "place", "none")),
    default="album",
    show_default=True,
    help="album: the album file's captions; date / place: those, else EXIF date / GPS place.",
)
@render_options
@album_options
@executor_options
@output_flags("Overwrite an existing output file.", "No progress bars or summary.")
@click.pass_obj
def reel(
    app: App,
    album_dir: Path,
    output: Path,
    music: Path | None,
    length: float | None,
    transition: str,
    transition_time: float,
    captions: str,
    album_file: Path | None,
    recursive: bool,
    workers: int,
    executor: str | None,
    cluster: str | None,
    force: bool,
    quiet: bool,
    **options: Any,
) -> None:
    """Make one reel of the photos in ALBUM_DIR, in the order they were taken."""
    from depthreel.batch.reel import ReelRequest, make_reel

    request = ReelRequest(
        album=album_dir,
        output=output,
        settings=build_settings(**options),
        album_file=album_file,
        recursive=recursive,
        music=music,
        length=length,
        transition=transition,
        transition_time=transition_time,
        captions=captions,
        workers=workers,
        executor=executor,
        cluster=cluster,
        force=force,
        quiet=quiet,
    )
    report = make_reel(request, app.registry, notice)
    if not quiet:
        music_note = " with music" if report.music else ""
        click.echo(
            f"wrote {report.output}: {report.photos} photos, {report.duration:.2f} s{music_note}, "
            f"in {report.seconds:.1f} s"
        )


COMMANDS = [reel]
