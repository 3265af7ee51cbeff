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


def silent_progress(total: int, label: str) -> Progress:
    return _Silent()


def shows_progress(quiet: bool) -> bool:
    """Whether progress is shown: on an interactive stderr, unless --quiet."""
    return not quiet and sys.stderr.isatty()


def make_progress_factory(quiet: bool) -> ProgressFactory:
    """A factory of bars: tqdm on an interactive stderr, nothing when quiet or redirected."""
    if not shows_progress(quiet):
        return silent_progress

    def factory(total: int, label: str) -> Progress:
        from tqdm import tqdm

        return tqdm(total=total, desc=label, unit="frame", dynamic_ncols=True, leave=False)

    return factory
