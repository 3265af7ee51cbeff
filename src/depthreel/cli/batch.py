"""`depthreel batch`: every photo of an album folder to a clip, resumable and in parallel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from depthreel.cli.app import App, Interrupted, notice
from depthreel.cli.options import build_settings, output_flags, render_options

EXECUTOR_CHOICES = ("local", "process", "dask", "ray")


def executor_options(command: Any) -> Any:
    """--workers, --executor and --cluster (shared by batch and reel)."""
    decorators = [
        click.option(
            "--workers",
            "-w",
            type=click.IntRange(min=1),
            default=1,
            show_default=True,
            help="Photos rendered in parallel.",
        ),
        click.option(
            "--executor",
            type=click.Choice(EXECUTOR_CHOICES),
            help="Where photos render: local (one at a time), process (a pool of --workers; "
            "the default when --workers > 1), dask or ray (a cluster; needs the extra).",
        ),
        click.option(
            "--cluster",
            metavar="ADDRESS",
            help="Existing cluster to use with --executor dask|ray, e.g. tcp://host:8786.",
        ),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def album_options(command: Any) -> Any:
    """--album and --recursive (shared by batch and reel)."""
    command = click.option("--recursive", "-r", is_flag=True, help="Include photos in subfolders.")(
        command
    )
    return click.option(
        "--album",
        "album_file",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Album file (TOML or YAML) with per-photo overrides [default: ALBUM_DIR/album.toml].",
    )(command)


@click.command()
@click.argument("album_dir", type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    "out_dir",
    type=click.Path(path_type=Path),
    required=True,
    help="Output folder (created if missing); holds the clips and manifest.json.",
)
@render_options
@album_options
@executor_options
@output_flags(
    "Render everything again, replacing outputs.", "No progress bar; only failures and a summary."
)
@click.pass_obj
def batch(
    app: App,
    album_dir: Path,
    out_dir: Path,
    album_file: Path | None,
    recursive: bool,
    workers: int,
    executor: str | None,
    cluster: str | None,
    force: bool,
    quiet: bool,
    **options: Any,
) -> None:
    """Render every photo in ALBUM_DIR to a clip in the output folder.

    \b
    A photo that fails is reported and skipped; the exit status is 1 if any failed.
    Run the same command again after an interruption: finished clips are kept.
    """
    from depthreel.batch.runner import BatchInterrupted, BatchRequest, run_batch

    request = BatchRequest(
        album=album_dir,
        out_dir=out_dir,
        settings=build_settings(**options),
        album_file=album_file,
        recursive=recursive,
        workers=workers,
        executor=executor,
        cluster=cluster,
        force=force,
        quiet=quiet,
    )
    try:
        summary = run_batch(request, app.registry, notice)
    except BatchInterrupted as stop:
        done = len(stop.summary.rendered) + len(stop.summary.already_done)
        raise Interrupted(
            f"interrupted with {done} of {stop.summary.total} photos done; "
            "run the same command again to resume"
        ) from None
    line = (
        f"batch: {len(summary.rendered)} rendered, {len(summary.already_done)} already done, "
        f"{len(summary.excluded)} skipped by the album file, {len(summary.failed)} failed "
        f"(of {summary.total} photos) in {summary.seconds:.1f} s; manifest {summary.manifest}"
    )
    if summary.failed:
        click.echo(line, err=True)
        for key, reason in summary.failed.items():
            click.echo(f"  failed {key}: {reason}", err=True)
        click.get_current_context().exit(1)
    if not quiet:
        click.echo(line)


COMMANDS = [batch]
