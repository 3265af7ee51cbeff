"""OUT_DIR/manifest.json: each photo's output, settings, timings, status and error.

Rewritten atomically (temp file + rename) after every photo, so a run killed at any moment
leaves the last consistent manifest; a restarted run trusts an entry only when its output
still exists with the recorded size and settings hash.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from depthreel.errors import DepthreelError
from depthreel.outputs import atomic_output

MANIFEST_NAME = "manifest.json"
VERSION = 1

DONE, FAILED, RENDERING, SKIPPED, INTERRUPTED = (
    "done",
    "failed",
    "rendering",
    "skipped",
    "interrupted",
)


@dataclass
class Entry:
    """One photo's record."""

    photo: str
    output: str
    status: str
    settings_hash: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    size: int | None = None
    frames: int | None = None
    motion: str | None = None
    depth_source: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    worker: str | None = None
    started: str | None = None
    finished: str | None = None


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


@dataclass
class Manifest:
    """The manifest of one output folder, keyed by photo key (path relative to the album)."""

    path: Path
    album: str = ""
    entries: dict[str, Entry] = field(default_factory=dict)

    @classmethod
    def load(cls, out_dir: Path) -> Manifest:
        """The folder's manifest, or an empty one; a damaged file is a one-line error."""
        path = Path(out_dir) / MANIFEST_NAME
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = {key: Entry(**value) for key, value in data.get("photos", {}).items()}
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            raise DepthreelError(
                f"manifest {path} is damaged ({type(exc).__name__}); move it away to start over"
            ) from None
        return cls(path, str(data.get("album", "")), entries)

    def is_complete(self, key: str, output: Path, settings_hash: str) -> bool:
        """True when `key` was rendered to `output` with these settings and the file is intact."""
        entry = self.entries.get(key)
        if entry is None or entry.status != DONE or entry.settings_hash != settings_hash:
            return False
        try:
            return output.stat().st_size == entry.size
        except OSError:
            return False

    def adopt(self, key: str, output: Path, settings_hash: str, frames: int) -> bool:
        """Record as done a clip that landed after its run stopped recording (a kill, an
        interrupt): the entry was rendering it with these settings, and it has every frame."""
        entry = self.entries.get(key)
        if (
            entry is None
            or entry.status not in (RENDERING, INTERRUPTED)
            or entry.settings_hash != settings_hash
            or entry.output != output.name
            or not output.is_file()
        ):
            return False
        import imageio_ffmpeg

        try:
            counted, _ = imageio_ffmpeg.count_frames_and_secs(str(output))
        except (OSError, RuntimeError):
            return False
        if counted != frames:
            return False
        entry.status, entry.error, entry.frames = DONE, None, frames
        entry.size = output.stat().st_size
        return True

    def owns(self, output_name: str) -> bool:
        """True when this manifest records writing (or starting to write) `output_name`."""
        return any(entry.output == output_name for entry in self.entries.values())

    def counts(self) -> dict[str, int]:
        result: dict[str, int] = {}
        for entry in self.entries.values():
            result[entry.status] = result.get(entry.status, 0) + 1
        return result

    def save(self) -> None:
        """Write the manifest atomically."""
        data = {
            "version": VERSION,
            "album": self.album,
            "updated": now(),
            "summary": self.counts(),
            "photos": {key: asdict(entry) for key, entry in sorted(self.entries.items())},
        }
        with atomic_output(self.path, force=True) as tmp:
            tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
