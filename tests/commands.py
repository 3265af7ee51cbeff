"""The CLI commands that take files, as one table: the bad-input corpus runs against each.

A new command is one line in COMMANDS: how to call it fast on PHOTO writing into OUT, the
files it writes there, and which optional inputs it takes ("motion", "effect", "preset",
"depth" for a depth-map file, "frames" when it renders frames long enough to interrupt,
"folders" when a folder is a valid source, "focal" when it takes --focal).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FAST_DEPTH = ["--estimator", "classic", "--quiet"]
FAST_RENDER = ["--preset", "preview", "--duration", "0.5", "--estimator", "classic", "--quiet"]


@dataclass(frozen=True)
class Command:
    name: str
    args: tuple[str, ...]  # {photo} and {out} are replaced
    outputs: tuple[str, ...]  # file names written into {out}
    takes: frozenset[str] = frozenset()

    def argv(self, photo: Path | str, out: Path, *extra: str) -> list[str]:
        words = [a.replace("{photo}", str(photo)).replace("{out}", str(out)) for a in self.args]
        return [*words, *extra]


COMMANDS = [
    Command(
        "render",
        ("render", "{photo}", "-o", "{out}/clip.mp4", *FAST_RENDER),
        ("clip.mp4",),
        frozenset({"motion", "effect", "preset", "depth", "frames"}),
    ),
    Command(
        "depth",
        ("depth", "{photo}", "-o", "{out}/d.png", "--estimator", "classic", "--quiet"),
        ("d.png", "d-preview.png"),
    ),
    Command(
        "still",
        ("still", "{photo}", "-o", "{out}/s.png", "--offset-x", "0.05", *FAST_DEPTH),
        ("s.png",),
        frozenset({"depth", "focal"}),
    ),
    Command(
        "preview",
        ("preview", "{photo}", "-o", "{out}/p.jpg", "-m", "dolly", "--frames", "2", *FAST_DEPTH),
        ("p.jpg",),
        frozenset({"motion", "effect", "folders"}),
    ),
    Command(
        "scene",
        ("scene", "{photo}", "-o", "{out}/s.glb", "--detail", "64", *FAST_DEPTH),
        ("s.glb",),
        frozenset({"depth", "focal"}),
    ),
    Command(
        "cutout",
        ("cutout", "{photo}", "-o", "{out}/c.png", *FAST_DEPTH),
        ("c.png",),
        frozenset({"depth"}),
    ),
    Command(
        "refocus",
        ("refocus", "{photo}", "-o", "{out}/r.jpg", *FAST_DEPTH),
        ("r.jpg",),
        frozenset({"depth"}),
    ),
]


def ids(commands: list[Command]) -> list[str]:
    return [command.name for command in commands]
