"""Per-invocation state and the error handling every command shares."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from depthreel.errors import DepthreelError


class UserError(click.ClickException):
    """A DepthreelError shown as 'Error: <one line>' with exit status 1."""


class Interrupted(click.ClickException):
    exit_code = 130


@dataclass
class App:
    """Built once per command: the plugin manager and the registry, created on first use."""

    debug: bool = False
    _registry: Any = field(default=None, repr=False)
    _pm: Any = field(default=None, repr=False)

    @property
    def plugin_manager(self) -> Any:
        if self._pm is None:
            from depthreel.plugins import get_plugin_manager

            self._pm = get_plugin_manager()
        return self._pm

    @property
    def registry(self) -> Any:
        if self._registry is None:
            from depthreel.registry import Registry

            self._registry = Registry.from_plugin_manager(self.plugin_manager)
        return self._registry


def compile_notice(quiet: bool, source: Path) -> None:
    """The first-run compile notice (progress.announce_compiling), for a source that exists.

    A mistyped path thus gets its one-line error alone.
    """
    from depthreel import progress

    if source.exists():
        progress.announce_compiling(quiet)


def notice(message: str) -> None:
    """A one-line notice on stderr (shown even with --quiet: it changes what you get)."""
    click.echo(f"notice: {message}", err=True)


class DepthreelGroup(click.Group):
    """Turns errors into one-line messages; tracebacks only with --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, BrokenPipeError):
            raise  # click handles a closed stdout (`depthreel plugins | head -3`) quietly
        except DepthreelError as exc:
            if _debug(ctx):
                raise
            raise UserError(str(exc)) from None
        except KeyboardInterrupt:
            raise Interrupted("interrupted; nothing was written") from None
        except MemoryError:
            raise UserError("out of memory; try a smaller preset or photo") from None
        except Exception as exc:
            if _debug(ctx):
                raise
            plugin = blamed_plugin(ctx.obj, exc)
            what = f"plugin '{plugin}' failed" if plugin else "internal error"
            message = f"{what}: {type(exc).__name__}: {exc}".splitlines()[0]
            raise UserError(f"{message} (run with --debug for details)") from None


def blamed_plugin(app: Any, exc: BaseException) -> str | None:
    """The third-party plugin whose code raised `exc` (deepest frame in its files), if any."""
    pm = getattr(app, "_pm", None)
    if pm is None:
        return None
    roots: dict[str, str] = {}
    for name, plugin in pm.list_name_plugin():
        path = getattr(plugin, "__file__", None)
        if name.startswith("builtin_") or not path:
            continue
        is_package = os.path.basename(path) == "__init__.py"
        roots[name] = os.path.dirname(path) + os.sep if is_package else path
    blamed = None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        for name, root in roots.items():
            if filename == root or (root.endswith(os.sep) and filename.startswith(root)):
                blamed = name
        tb = tb.tb_next
    return blamed


def _debug(ctx: click.Context) -> bool:
    return bool(ctx.obj is not None and getattr(ctx.obj, "debug", False)) or "--debug" in sys.argv
