"""An album: the photos in a folder, and the optional album file with per-photo overrides."""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from depthreel.errors import DepthreelError

# Files with these suffixes are photos; anything else in the folder is ignored. A listed file
# that Pillow cannot read is reported as failed, not silently skipped.
PHOTO_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp", ".heic", ".heif", ".avif"}
)
ALBUM_FILE_NAMES = ("album.toml", "album.yaml", "album.yml")
OVERRIDE_KEYS = frozenset({"motion", "effects", "duration", "caption", "skip"})


@dataclass(frozen=True)
class Overrides:
    """What the album file says about one photo; None means "as on the command line"."""

    motion: str | None = None
    effects: tuple[str, ...] | None = None
    duration: float | None = None
    caption: str | None = None
    skip: bool = False


@dataclass(frozen=True)
class AlbumPhoto:
    """One photo of the album: its path, its key (path relative to the album) and overrides."""

    path: Path
    key: str
    overrides: Overrides = field(default_factory=Overrides)


def find_photos(folder: Path, recursive: bool = False, exclude: Path | None = None) -> list[Path]:
    """Photo files in `folder` (and below, when recursive), sorted by relative path.

    Hidden files and folders (names starting with '.') and anything under `exclude` (the
    output folder, when it lies inside the album) are left out.
    """
    folder = Path(folder)
    if not folder.exists():
        raise DepthreelError(f"album {folder} does not exist")
    if not folder.is_dir():
        raise DepthreelError(f"album {folder} is not a folder")
    excluded = exclude.resolve() if exclude is not None else None
    if excluded == folder.resolve():  # clips written beside the photos: nothing to leave out
        excluded = None
    candidates = folder.rglob("*") if recursive else folder.iterdir()
    photos = []
    for path in candidates:
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if excluded is not None and path.resolve().is_relative_to(excluded):
            continue
        if path.suffix.lower() in PHOTO_SUFFIXES and path.is_file():
            photos.append(path)
    return sorted(photos, key=lambda p: p.relative_to(folder).as_posix())


def default_album_file(folder: Path) -> Path | None:
    """album.toml / album.yaml / album.yml in the album folder, if there is one."""
    for name in ALBUM_FILE_NAMES:
        candidate = Path(folder) / name
        if candidate.is_file():
            return candidate
    return None


def _read_album_data(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DepthreelError(f"album file {path}: {exc.strerror or exc}") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            return yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            first = str(exc).splitlines()[0] if str(exc) else "syntax error"
            raise DepthreelError(f"album file {path}: invalid YAML: {first}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DepthreelError(f"album file {path}: invalid TOML: {exc}") from None


def _overrides(path: Path, key: str, table: Any) -> Overrides:
    where = f"album file {path}: photo '{key}'"
    if not isinstance(table, dict):
        raise DepthreelError(f"{where}: expected a table of settings")
    unknown = set(table) - OVERRIDE_KEYS
    if unknown:
        raise DepthreelError(
            f"{where}: unknown keys {', '.join(sorted(unknown))} "
            f"(known: {', '.join(sorted(OVERRIDE_KEYS))})"
        )
    effects = table.get("effects")
    if isinstance(effects, str):
        effects = [effects]
    if effects is not None and not (
        isinstance(effects, list) and all(isinstance(e, str) for e in effects)
    ):
        raise DepthreelError(f"{where}: effects must be a list of effect specs")
    duration = table.get("duration")
    if duration is not None and (
        isinstance(duration, bool)
        or not isinstance(duration, int | float)
        or not 0.1 <= duration <= 600
    ):
        raise DepthreelError(f"{where}: duration must be between 0.1 and 600 seconds")
    for name in ("motion", "caption"):
        if table.get(name) is not None and not isinstance(table[name], str):
            raise DepthreelError(f"{where}: {name} must be a string")
    skip = table.get("skip", False)
    if not isinstance(skip, bool):
        raise DepthreelError(f"{where}: skip must be true or false")
    return Overrides(
        motion=table.get("motion"),
        effects=tuple(effects) if effects is not None else None,
        duration=float(duration) if duration is not None else None,
        caption=table.get("caption"),
        skip=skip,
    )


def read_album_file(path: Path) -> dict[str, Overrides]:
    """Per-photo overrides keyed by the photo's path relative to the album (POSIX style).

    The file has one table `photos`, holding one table per photo, e.g. in TOML
    `[photos."beach.jpg"]` with motion, effects, duration, caption and skip.
    """
    path = Path(path)
    data = _read_album_data(path)
    if not isinstance(data, dict):
        raise DepthreelError(f"album file {path}: expected a table with a 'photos' table")
    extra = set(data) - {"photos"}
    if extra:
        raise DepthreelError(
            f"album file {path}: unknown top-level keys {', '.join(sorted(extra))}"
        )
    photos = data.get("photos") or {}
    if not isinstance(photos, dict):
        raise DepthreelError(f"album file {path}: 'photos' must be a table keyed by file name")
    return {str(key): _overrides(path, str(key), table) for key, table in photos.items()}


def load_album(
    folder: Path,
    album_file: Path | None = None,
    recursive: bool = False,
    exclude: Path | None = None,
    notice: Any = None,
) -> list[AlbumPhoto]:
    """The album's photos with their overrides (album file given, or album.toml in the folder).

    Entries of the album file that match no photo are reported through `notice`.
    """
    folder = Path(folder)
    paths = find_photos(folder, recursive, exclude)
    source = album_file if album_file is not None else default_album_file(folder)
    overrides = read_album_file(source) if source is not None else {}
    keys = [p.relative_to(folder).as_posix() for p in paths]
    unmatched = sorted(set(overrides) - set(keys))
    if unmatched and notice is not None:
        notice(f"album file {source} names photos not in the album: {', '.join(unmatched)}")
    if not paths:
        raise DepthreelError(
            f"album {folder} has no photos ({', '.join(sorted(PHOTO_SUFFIXES))})"
            + ("" if recursive else "; use --recursive to include subfolders")
        )
    return [
        AlbumPhoto(path, key, overrides.get(key, Overrides()))
        for path, key in zip(paths, keys, strict=True)
    ]


def output_names(keys: list[str], suffix: str) -> dict[str, str]:
    """Output file (relative to the output folder) for each photo key.

    'trip/beach.jpg' -> 'trip/beach.mp4'; when two photos would share an output name
    (beach.jpg and beach.png) both keep their extension: 'beach-jpg.mp4', 'beach-png.mp4'.
    """
    stems = [str(Path(key).with_suffix("")) for key in keys]
    counts = Counter(stem.lower() for stem in stems)
    names = {}
    for key, stem in zip(keys, stems, strict=True):
        if counts[stem.lower()] > 1:
            stem = f"{stem}-{Path(key).suffix.lstrip('.').lower()}"
        names[key] = f"{stem}.{suffix}"
    return names
