"""Planning an album reel: photo order, one clip length per photo, matching motion directions.

Clip lengths are whole frames: with n clips of f_i frames joined by crossfades of c frames,
the reel has sum(f_i) - (n - 1) * c frames, and the f_i are chosen (in proportion to each
photo's duration) so that this is exactly the requested length.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from depthreel.batch.album import AlbumPhoto
from depthreel.batch.jobs import photo_settings
from depthreel.batch.photoinfo import PhotoInfo, format_date, format_place
from depthreel.errors import DepthreelError
from depthreel.motion import Motion
from depthreel.pipeline import (
    AUTO_MOTION,
    RenderSettings,
    build_motion,
    motion_request,
    resolve_preset,
)
from depthreel.presets import ExportPreset
from depthreel.registry import Registry

MIN_CLIP = 1.0  # seconds each photo is on screen at least, besides one crossfade
TRANSITIONS = ("crossfade", "cut")
CAPTIONS = ("album", "date", "place", "none")


@dataclass
class ReelClip:
    """One photo's part of the reel: its settings, length and first frame in the reel."""

    photo: AlbumPhoto
    info: PhotoInfo
    settings: RenderSettings
    frames: int
    start: int


@dataclass
class ReelPlan:
    clips: list[ReelClip]
    preset: ExportPreset
    total_frames: int
    overlap: int  # frames of each crossfade (0 for cuts)
    stereo: str | None = None  # side-by-side clips ("sbs" doubles the frame width)

    @property
    def fps(self) -> float:
        return self.preset.fps

    @property
    def duration(self) -> float:
        return self.total_frames / self.fps


def fit_frames(
    weights: Sequence[float], total: int, overlap: int, minimum: int
) -> list[int] | None:
    """Frames per clip joining to exactly `total` frames: each gets `minimum`, and the rest is
    shared in proportion to `weights`. None when the clips do not fit at `minimum` each."""
    n = len(weights)
    spare = total + (n - 1) * overlap - n * minimum
    if spare < 0:
        return None
    shares = [w / sum(weights) * spare for w in weights]
    frames = [math.floor(share) for share in shares]
    by_remainder = sorted(range(n), key=lambda i: frames[i] - shares[i])
    for i in by_remainder[: spare - sum(frames)]:
        frames[i] += 1
    return [minimum + f for f in frames]


def spread(n: int, k: int) -> list[int]:
    """k indices spread evenly over range(n), first and last included."""
    if k >= n:
        return list(range(n))
    if k == 1:
        return [0]
    return sorted({round(i * (n - 1) / (k - 1)) for i in range(k)})


def caption_for(photo: AlbumPhoto, info: PhotoInfo, mode: str) -> str | None:
    """The album file's caption; with mode date/place, else the EXIF date or GPS place."""
    if mode == "none":
        return None
    if photo.overrides.caption:
        return photo.overrides.caption
    if mode == "date" and info.taken is not None:
        return format_date(info.taken)
    if mode == "place" and info.gps is not None:
        return format_place(info.gps)
    return None


def _direction(motion: Motion, at_start: bool) -> np.ndarray:
    """Where the camera heads at the clip's start or end: (x, y, forward) per unit time."""
    try:
        linear = dataclasses.replace(motion, easing="linear")
    except TypeError:
        return np.zeros(3)
    a, b = (0.0, 0.1) if at_start else (0.9, 1.0)
    p, q = linear.pose(a), linear.pose(b)
    return np.array([q.x - p.x, q.y - p.y, (q.z - p.z) + (q.zoom - p.zoom)])


def match_motions(settings: Sequence[RenderSettings], registry: Registry, transition: str) -> None:
    """Make each clip's motion continue the direction the reel has been moving in (in place).

    The reel remembers the latest sideways, vertical and forward heading (a push-in between
    two glides does not make the second forget the first); a clip that would head against it
    is reversed, unless the user set `reverse` for it. For motion-matched cuts, easing becomes
    linear (unless set), so the camera keeps its speed across each cut instead of stopping.
    """
    heading = np.zeros(3)
    for item in settings:
        name, options = motion_request(resolve_preset(registry, item), item)
        if name == AUTO_MOTION:
            continue  # chosen per photo while rendering: nothing to match in advance
        cls = registry.get("motion", name)
        if transition == "cut" and "easing" not in options and not cls.periodic:
            options["easing"] = "linear"
        motion = build_motion(registry, name, options)
        entry = _direction(motion, at_start=True)
        if "reverse" not in options and np.dot(heading, entry) < -1e-12:
            options["reverse"] = not motion.reverse
            motion = build_motion(registry, name, options)
        leaving = _direction(motion, at_start=False)
        heading = np.where(np.abs(leaving) > 1e-9, leaving, heading)
        item.motion, item.motion_options = name, options


def plan_reel(
    photos: Sequence[tuple[AlbumPhoto, PhotoInfo]],
    base: RenderSettings,
    registry: Registry,
    notice: Callable[[str], None],
    length: float | None = None,
    music_duration: float | None = None,
    transition: str = "crossfade",
    transition_time: float = 0.5,
    captions: str = "album",
) -> ReelPlan:
    """Lengths, captions and motions for the (ordered) photos; see the module docstring."""
    preset = resolve_preset(registry, base)
    fps = preset.fps
    overlap = round(transition_time * fps) if transition == "crossfade" else 0
    minimum = max(round(MIN_CLIP * fps) + overlap, 2 * overlap + 1)
    weights = [photo.overrides.duration or preset.duration for photo, _ in photos]
    if length is not None:
        total = round(length * fps)
    elif music_duration is not None:
        total = round(music_duration * fps)
    else:
        total = sum(round(w * fps) for w in weights) - (len(weights) - 1) * overlap
    if total < minimum:
        raise DepthreelError(f"a reel needs at least {minimum / fps:g} s")
    keep = list(range(len(photos)))
    frames = fit_frames(weights, total, overlap, minimum)
    if frames is None:
        keep = spread(len(photos), max(1, (total - overlap) // (minimum - overlap)))
        frames = fit_frames([weights[i] for i in keep], total, overlap, minimum) or [total]
    if len(keep) < len(photos):
        notice(
            f"{len(photos)} photos do not fit {total / fps:g} s at {MIN_CLIP:g} s or more each; "
            f"using {len(keep)} of them, spread over the album"
        )
    clips: list[ReelClip] = []
    start = 0
    for index, count in zip(keep, frames, strict=True):
        photo, info = photos[index]
        overrides = dataclasses.replace(
            photo.overrides, caption=caption_for(photo, info, captions), duration=None
        )
        settings = photo_settings(base, overrides, preset)
        settings.duration = count / fps
        clips.append(ReelClip(photo, info, settings, count, start))
        start += count - overlap
    match_motions([clip.settings for clip in clips], registry, transition)
    return ReelPlan(clips, preset, total, overlap, base.stereo)
