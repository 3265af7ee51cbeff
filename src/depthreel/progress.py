"""Progress reporting: a frame bar with ETA on a terminal, silent with --quiet."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, Protocol


class Progress(Protocol):
    def update(self, n: int = 1) -> Any: ...
    def close(self) -> None: ...


class _Silent:
    def update(self, n: int = 1) -> None:
        return None

    def close(self) -> None:
        return None


ProgressFactory = Callable[[int, str], Progress]

COMPILING = "compiling the renderer for this machine (once, 10-30 s; then cached)"


def silent_progress(total: int, label: str) -> Progress:
    return _Silent()


def shows_progress(quiet: bool) -> bool:
    """Whether progress is shown: on an interactive stderr, unless --quiet."""
    return not quiet and sys.stderr.isatty()


def announce_compiling(quiet: bool) -> None:
    """Say in one line that this first render compiles the renderer (10-30 s of silence else).

    Shown where progress bars are, just before rendering starts, and only while Numba's cache
    holds no compiled renderer for this machine.
    """
    if not shows_progress(quiet):
        return
    from depthreel.render.compiled import renderer_compiled

    if not renderer_compiled():
        print(COMPILING, file=sys.stderr, flush=True)


def make_progress_factory(quiet: bool) -> ProgressFactory:
    """A factory of bars: tqdm on an interactive stderr, nothing when quiet or redirected."""
    if not shows_progress(quiet):
        return silent_progress

    def factory(total: int, label: str) -> Progress:
        from tqdm import tqdm

        return tqdm(total=total, desc=label, unit="frame", dynamic_ncols=True, leave=False)

    return factory
