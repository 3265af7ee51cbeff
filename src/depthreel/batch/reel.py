"""An album reel end to end: read and order the photos, plan, render the clips, compose."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from depthreel.batch.album import AlbumPhoto, load_album
from depthreel.batch.executors import make_executor
from depthreel.batch.jobs import Job
from depthreel.batch.photoinfo import PhotoInfo, read_info
from depthreel.batch.progress import BatchProgress
from depthreel.batch.reel_plan import ReelPlan, plan_reel
from depthreel.batch.runner import check_settings, store_inline
from depthreel.errors import DepthreelError
from depthreel.outputs import check_output
from depthreel.photo import MIN_SIDE
from depthreel.pipeline import RenderSettings, resolve_preset
from depthreel.registry import Registry


@dataclass
class ReelRequest:
    """What `depthreel reel` was asked to do."""

    album: Path
    output: Path
    settings: RenderSettings
    album_file: Path | None = None
    recursive: bool = False
    music: Path | None = None
    length: float | None = None
    transition: str = "crossfade"
    transition_time: float = 0.5
    captions: str = "album"
    workers: int = 1
    executor: str | None = None
    cluster: str | None = None
    force: bool = False
    quiet: bool = False


@dataclass
class ReelReport:
    output: Path
    photos: int
    duration: float
    seconds: float
    music: bool


def ordered_photos(
    photos: list[AlbumPhoto], notice: Callable[[str], None]
) -> list[tuple[AlbumPhoto, PhotoInfo]]:
    """Photos in the order they were taken (EXIF, else file time, then name); the unreadable
    (decoded here, so a truncated file is caught before the reel is planned) and the too small
    are left out with a notice."""
    readable = []
    for photo in photos:
        if photo.overrides.skip:
            continue
        try:
            info = read_info(photo.path, decode=True)
        except DepthreelError as exc:
            notice(f"leaving out {photo.key}: {exc}")
            continue
        if min(info.width, info.height) < MIN_SIDE:
            notice(f"leaving out {photo.key}: {info.width}x{info.height} is too small")
            continue
        readable.append((photo, info))
    if not readable:
        raise DepthreelError("the album has no photo a reel can use")
    return sorted(readable, key=lambda item: item[1].order_key())


def _validate(request: ReelRequest, registry: Registry) -> None:
    if request.settings.depth_file is not None:
        raise DepthreelError("--depth names one photo's depth map; a reel estimates each photo's")
    if request.length is not None and not 1 <= request.length <= 600:
        raise DepthreelError(f"--length {request.length} must be between 1 and 600 seconds")
    if not 0 <= request.transition_time <= 5:
        raise DepthreelError(f"--transition-time {request.transition_time} must be 0 to 5 s")
    if resolve_preset(registry, request.settings).codec == "gif":
        raise DepthreelError("a reel needs a video preset (mp4, mov or webm), not a GIF one")
    check_settings(registry, request.settings)
    check_output(request.output, request.force)


def _render_clips(
    plan: ReelPlan, request: ReelRequest, registry: Registry, scratch: Path
) -> list[Path]:
    """Render every clip of the plan into `scratch`; any failure stops the reel."""
    executor = make_executor(request.executor, request.workers, request.cluster, registry)
    suffix = plan.preset.container
    jobs = [
        Job(
            f"{index:03d}-{clip.photo.key}",
            clip.photo.path,
            scratch / f"clip-{index:03d}.{suffix}",
            clip.settings,
            clip.frames,
            force=True,
            inline=executor.inline,
        )
        for index, clip in enumerate(plan.clips)
    ]
    by_key = {job.key: job for job in jobs}
    progress = BatchProgress(len(jobs), sum(c.frames for c in plan.clips), request.quiet, "clips")
    try:
        results = executor.run(jobs, progress.frames)
        try:
            for result in results:
                job = by_key[result.key]
                result = store_inline(job, result)
                for message in result.notices:
                    progress.notice(job.photo.name, message)
                progress.finished(result.key, result.ok, result.frames, job.frames)
                if not result.ok:
                    raise DepthreelError(
                        f"{job.photo}: {result.error} (mark it skip = true in the album file)"
                    )
        finally:
            results.close()
    finally:
        progress.close()
        executor.close()
    return [job.output for job in jobs]


def make_reel(
    request: ReelRequest, registry: Registry, notice: Callable[[str], None]
) -> ReelReport:
    """Render the album's reel to request.output (atomically)."""
    from depthreel.batch.compose import compose_reel, music_duration

    start = time.perf_counter()
    _validate(request, registry)
    album = load_album(request.album, request.album_file, request.recursive, None, notice)
    photos = ordered_photos(album, notice)
    soundtrack = music_duration(request.music) if request.music is not None else None
    plan = plan_reel(
        photos,
        request.settings,
        registry,
        notice,
        length=request.length,
        music_duration=soundtrack,
        transition=request.transition,
        transition_time=request.transition_time,
        captions=request.captions,
    )
    out_folder = Path(request.output).parent
    with tempfile.TemporaryDirectory(prefix=".depthreel-reel-", dir=out_folder) as scratch:
        clips = _render_clips(plan, request, registry, Path(scratch))
        compose_reel(plan, clips, request.output, request.music, request.force, request.quiet)
    return ReelReport(
        Path(request.output),
        len(plan.clips),
        plan.duration,
        time.perf_counter() - start,
        request.music is not None,
    )
