"""One overall progress bar for many photos: frames rendered (with ETA) and photos finished."""

from __future__ import annotations

import sys
import threading
from typing import Any

from depthreel import progress as display


class BatchProgress:
    """Counts frames as workers report them and photos as they finish; thread-safe.

    Shows a tqdm bar where progress is shown (depthreel.progress.shows_progress), after the
    first-run compile notice; otherwise it only counts.
    """

    def __init__(self, photos: int, frames: int, quiet: bool, label: str = "photos") -> None:
        self.photos, self.done, self.failed = photos, 0, 0
        self.label = label
        self._lock = threading.Lock()
        self._frames: dict[str, int] = {}
        self._notices: set[str] = set()
        self._finished: set[str] = set()
        self._bar: Any = None
        if display.shows_progress(quiet) and photos:
            display.announce_compiling(quiet)  # photos to render: say if it compiles first
            from tqdm import tqdm

            self._bar = tqdm(total=frames, unit="frame", dynamic_ncols=True, leave=False)
            self._describe()

    def _describe(self) -> None:
        if self._bar is not None:
            failed = f", {self.failed} failed" if self.failed else ""
            self._bar.set_description(f"{self.done}/{self.photos} {self.label}{failed}")

    def frames(self, key: str, n: int) -> None:
        """A worker rendered `n` more frames of photo `key`."""
        with self._lock:
            if key in self._finished:
                return  # a late message: finished() has counted this photo's frames
            self._frames[key] = self._frames.get(key, 0) + n
            if self._bar is not None:
                self._bar.update(n)

    def finished(self, key: str, ok: bool, frames: int, expected: int) -> None:
        """Photo `key` is done: count frames not yet reported, drop those it will never render."""
        with self._lock:
            self._finished.add(key)
            seen = self._frames.pop(key, 0)
            self.done += 1
            self.failed += not ok
            if self._bar is not None:
                if ok and frames > seen:
                    self._bar.update(frames - seen)
                elif not ok and expected > seen:
                    self._bar.total = max(self._bar.n, self._bar.total - (expected - seen))
                    self._bar.refresh()
                self._describe()

    def notice(self, photo: str, message: str) -> None:
        """A worker's notice, once per message (e.g. an estimator fallback hits every photo)."""
        if message not in self._notices:
            self._notices.add(message)
            self.write(f"notice: {photo}: {message}")

    def write(self, line: str) -> None:
        """Print a line without breaking the bar."""
        if self._bar is not None:
            self._bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
