"""Contact sheets: a few rendered frames per motion (one photo) or per photo (a folder).

Built from the same pieces as a clip (photo_depth, prepare_scene, Renderer, the effects), so
what the sheet shows is what `render` makes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import cv2
import numpy as np

from depthreel.cache import Cache
from depthreel.depthmap import PhotoDepth, photo_depth
from depthreel.effect import Effect
from depthreel.errors import DepthreelError
from depthreel.inpaint import Inpainter, get_inpainter
from depthreel.motion import Motion
from depthreel.photo import Photo, load_photo
from depthreel.registry import Registry

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp"}
PATH_FRAMES = 48  # poses planned per motion; the sheet shows a few of them
GAP = 6  # px between tiles
LABEL = 22  # px of label strip above each row
BACKGROUND = (24, 24, 24)


@dataclass
class Row:
    """One row of the sheet: a label and its tiles (RGB uint8, all the same height)."""

    label: str
    tiles: list[np.ndarray]


def frame_indices(motion: Motion, count: int, columns: int) -> list[int]:
    """Evenly spread frames; a motion that closes skips its last (== first) frame."""
    if columns <= 1:
        return [0]
    if motion.closes:
        return [(k * count) // columns for k in range(columns)]
    return [round(k * (count - 1) / (columns - 1)) for k in range(columns)]


def motion_frames(
    photo: Photo,
    depth: PhotoDepth,
    motion: Motion,
    size: tuple[int, int],
    columns: int,
    inpainter: Inpainter,
    effects: Sequence[Effect] = (),
    registry: Registry | None = None,
    cache: Cache | None = None,
) -> list[np.ndarray]:
    """`columns` frames of the clip `motion` makes of `photo`, at `size`, as uint8 RGB."""
    from depthreel.frames import FrameRenderer
    from depthreel.pipeline import prepare_scene

    scene = prepare_scene(photo, depth, motion, size, PATH_FRAMES, inpainter, cache=cache)
    frames = FrameRenderer(scene, effects, registry=registry)
    return [frames.frame(index) for index in frame_indices(scene.motion, frames.count, columns)]


def thumbnail(photo: Photo, size: tuple[int, int]) -> np.ndarray:
    """The photo fitted inside `size` on the sheet's background."""
    w, h = size
    scale = min(w / photo.width, h / photo.height)
    fit = (max(1, round(photo.width * scale)), max(1, round(photo.height * scale)))
    small = cv2.resize(photo.rgb, fit, interpolation=cv2.INTER_AREA)
    tile = np.empty((h, w, 3), np.uint8)
    tile[:] = BACKGROUND
    x0, y0 = (w - fit[0]) // 2, (h - fit[1]) // 2
    tile[y0 : y0 + fit[1], x0 : x0 + fit[0]] = np.clip(small * 255 + 0.5, 0, 255).astype(np.uint8)
    return tile


def compose(rows: Sequence[Row], per_line: int = 1) -> np.ndarray:
    """Lay the rows out, `per_line` side by side, each under its label (RGB uint8)."""
    per_line = max(1, per_line)
    lines = [rows[i : i + per_line] for i in range(0, len(rows), per_line)]

    def block_width(row: Row) -> int:
        return sum(t.shape[1] for t in row.tiles) + GAP * (len(row.tiles) - 1)

    block = max(block_width(row) for row in rows)
    tile_h = max(row.tiles[0].shape[0] for row in rows)
    width = per_line * (block + 2 * GAP) + GAP
    height = len(lines) * (LABEL + tile_h + GAP) + GAP
    sheet = np.empty((height, width, 3), np.uint8)
    sheet[:] = BACKGROUND
    for line_no, line in enumerate(lines):
        y = GAP + line_no * (LABEL + tile_h + GAP)
        for block_no, row in enumerate(line):
            x = GAP + block_no * (block + 2 * GAP)
            label_org = (x, y + LABEL - 7)
            font = cv2.FONT_HERSHEY_SIMPLEX
            cv2.putText(sheet, row.label, label_org, font, 0.45, (235, 235, 235), 1, cv2.LINE_AA)
            for tile in row.tiles:
                th, tw = tile.shape[:2]
                sheet[y + LABEL : y + LABEL + th, x : x + tw] = tile
                x += tw + GAP
    return sheet


def photos_in(folder: Path) -> list[Path]:
    """The photos directly inside `folder`, by name."""
    found = sorted(p for p in folder.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES)
    if not found:
        raise DepthreelError(f"folder {folder} has no photos ({', '.join(sorted(PHOTO_SUFFIXES))})")
    return found


@dataclass(frozen=True)
class AutoMotion:
    """Stands for `--motion auto` on a sheet: the motion is chosen for each photo."""

    options: dict[str, Any] = field(default_factory=dict)
    name: ClassVar[str] = "auto"


def pick(
    motion: Motion | AutoMotion,
    registry: Registry,
    photo: Photo,
    depth: PhotoDepth,
    size: tuple[int, int],
) -> tuple[Motion, str]:
    """The motion to show, and its label (for auto: what was chosen and why)."""
    if not isinstance(motion, AutoMotion):
        return motion, motion.name
    from depthreel.automotion import choose_motion

    choice = choose_motion(registry, photo, depth, size, motion.options)
    trial = choice.trial
    return choice.motion, f"auto: {trial.name} {trial.intensity:g} ({trial.uncovered:.1%})"


def contact_sheet(
    source: Path,
    motions: Sequence[Motion | AutoMotion],
    registry: Registry,
    notice: Callable[[str], None],
    size: tuple[int, int] = (180, 320),
    columns: int = 4,
    effects: Sequence[Effect] = (),
    estimator: str | None = None,
    on_row: Callable[[str], None] = lambda label: None,
    per_line: int = 1,
    inpainter: str = "diffusion",
    cache: Cache | None = None,
    allow_huge: bool = False,
) -> np.ndarray:
    """The sheet for a photo (a row per motion) or a folder (a row per photo, first motion)."""
    fill = get_inpainter(registry, inpainter)
    rows = []
    if Path(source).is_dir():
        for path in photos_in(Path(source)):
            try:
                photo = load_photo(path, allow_huge=allow_huge)
            except DepthreelError as exc:  # one bad photo does not cost the album its sheet
                notice(f"leaving out {path.name}: {exc}")
                continue
            depth = photo_depth(photo, registry, notice, estimator, cache=cache)
            motion, label = pick(motions[0], registry, photo, depth, size)
            tiles = [thumbnail(photo, size)]
            tiles += motion_frames(
                photo, depth, motion, size, columns, fill, effects, registry, cache
            )
            rows.append(Row(f"{path.name}  ({label})", tiles))
            on_row(path.name)
        if not rows:
            raise DepthreelError(f"no photo in {source} could be read")
    else:
        photo = load_photo(source, allow_huge=allow_huge)
        depth = photo_depth(photo, registry, notice, estimator, cache=cache)
        for requested in motions:
            motion, label = pick(requested, registry, photo, depth, size)
            tiles = motion_frames(
                photo, depth, motion, size, columns, fill, effects, registry, cache
            )
            if per_line == 1 and not isinstance(requested, AutoMotion):
                label = f"{motion.name}: {motion.description}"
            rows.append(Row(label, tiles))
            on_row(label)
    return compose(rows, per_line)
