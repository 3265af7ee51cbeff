"""The `depthreel` command line. Heavy modules are imported inside commands so --help is fast."""

from __future__ import annotations

import signal
import sys
from typing import Any

import click

from depthreel import __version__
from depthreel.cli.app import App, DepthreelGroup


@click.group(cls=DepthreelGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="depthreel")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Turn one photo into a vertical parallax clip (3D photo) for Reels, TikTok and Shorts.

    \b
    Quick start:
      depthreel render beach.jpg -o beach.mp4
      depthreel list motions
    """
    ctx.obj = App(debug=debug)


def _register_commands() -> None:
    from depthreel.cli import (
        batch,
        cutout,
        depth,
        listing,
        preview,
        reel,
        refocus,
        render,
        scene,
        still,
    )

    for module in (render, still, depth, listing, preview, scene, cutout, refocus, batch, reel):
        for command in module.COMMANDS:
            cli.add_command(command)


_register_commands()


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Entry point of the `depthreel` script: SIGTERM is handled like Ctrl-C (clean abort).

    SIGXFSZ (file size limit reached) is ignored so that the write fails with an error we
    report in one line, instead of killing the process with a core dump.
    """
    signal.signal(signal.SIGTERM, _terminate)
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    sys.exit(cli.main(prog_name="depthreel"))
