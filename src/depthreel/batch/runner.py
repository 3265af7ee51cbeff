"""A batch run end to end: plan what to render, dispatch it, record every photo's fate."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from depthreel.batch.album import AlbumPhoto, load_album, output_names
from depthreel.batch.executors import Executor, make_executor
from depthreel.batch.jobs import (
    Job,
    JobResult,
    photo_settings,
    settings_hash,
    settings_record,
)
from depthreel.batch.manifest import (
    DONE,
    FAILED,
    INTERRUPTED,
    RENDERING,
    SKIPPED,
    Entry,
    Manifest,
    now,
)
from depthreel.batch.progress import BatchProgress
from depthreel.cache import file_digest
from depthreel.errors import DepthreelError
from depthreel.inpaint import get_inpainter
from depthreel.outputs import atomic_output
from depthreel.pipeline import (
    AUTO_MOTION,
    RenderSettings,
    build_effects,
    build_motion,
    effect_request,
    motion_request,
    resolve_preset,
)
from depthreel.registry import Registry

LOCK_NAME = ".depthreel-batch.lock"
PARTIAL_GLOB = ".*.partial*"  # temp files of atomic outputs and of the manifest


@dataclass
class BatchRequest:
    """What `depthreel batch` was asked to do."""

    album: Path
    out_dir: Path
    settings: RenderSettings
    album_file: Path | None = None
    recursive: bool = False
    workers: int = 1
    executor: str | None = None
    cluster: str | None = None
    force: bool = False
    quiet: bool = False


@dataclass
class BatchSummary:
    """How the run went, photo keys by outcome."""

    total: int = 0
    rendered: list[str] = field(default_factory=list)
    already_done: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)  # skip = true in the album file
    failed: dict[str, str] = field(default_factory=dict)  # key -> one-line reason
    seconds: float = 0.0
    manifest: Path | None = None


class BatchInterrupted(Exception):
    """The run was interrupted; finished clips and the manifest are kept."""

    def __init__(self, summary: BatchSummary) -> None:
        super().__init__("interrupted")
        self.summary = summary


def check_settings(registry: Registry, settings: RenderSettings) -> int:
    """Fail now (one line) on an unknown preset, motion, effect or inpainter; return the frame
    count of a clip."""
    preset = resolve_preset(registry, settings)
    name, options = motion_request(preset, settings)
    if name != AUTO_MOTION:
        build_motion(registry, name, options)
    build_effects(registry, effect_request(preset, settings))
    get_inpainter(registry, settings.inpainter)  # fetches learned weights now, not per photo
    return preset.frame_count


def prepare_out_dir(out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise DepthreelError(f"output {out_dir} is a file; batch needs a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DepthreelError(f"cannot create output folder {out_dir}: {exc.strerror}") from None
    return out_dir


@contextlib.contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold the output folder's lock: one batch per folder, so leftovers are safe to clean."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(out_dir / LOCK_NAME))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise DepthreelError(f"another depthreel batch is writing to {out_dir}") from None
    try:
        yield
    finally:
        lock.release()


def remove_partials(out_dir: Path) -> int:
    """Delete temp files a killed run left behind (only called with the folder's lock held)."""
    removed = 0
    for path in out_dir.rglob(PARTIAL_GLOB):
        if path.is_file():
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
    return removed


@dataclass
class _Plan:
    jobs: list[Job] = field(default_factory=list)
    expected: dict[str, int] = field(default_factory=dict)


def plan_batch(
    photos: list[AlbumPhoto],
    request: BatchRequest,
    registry: Registry,
    manifest: Manifest,
    summary: BatchSummary,
    inline: bool,
) -> _Plan:
    """Decide each photo's fate: excluded, already done, failed before rendering, or a job."""
    base = resolve_preset(registry, request.settings)
    names = output_names([p.key for p in photos], base.container)
    plan = _Plan()
    for photo in photos:
        name = names[photo.key]
        output = request.out_dir / name
        if photo.overrides.skip:
            summary.excluded.append(photo.key)
            manifest.entries[photo.key] = Entry(photo.key, name, SKIPPED)
            continue
        try:
            settings = photo_settings(request.settings, photo.overrides, base)
            frames = check_settings(registry, settings)
            record = settings_record(settings, resolve_preset(registry, settings))
            digest = settings_hash(record, file_digest(photo.path))
        except (DepthreelError, OSError) as exc:
            error = str(exc) if isinstance(exc, DepthreelError) else f"{photo.path}: {exc}"
            summary.failed[photo.key] = error
            manifest.entries[photo.key] = Entry(photo.key, name, FAILED, error=error)
            continue
        if not request.force and (
            manifest.is_complete(photo.key, output, digest)
            or manifest.adopt(photo.key, output, digest, frames)
        ):
            summary.already_done.append(photo.key)
            continue
        ours = manifest.owns(name)
        if output.exists() and not (request.force or ours):
            error = f"output {output} exists and is not in the manifest; use --force to replace it"
            summary.failed[photo.key] = error
            manifest.entries[photo.key] = Entry(photo.key, name, FAILED, error=error)
            continue
        output.parent.mkdir(parents=True, exist_ok=True)
        job = Job(photo.key, photo.path, output, settings, frames, force=True, inline=inline)
        plan.jobs.append(job)
        plan.expected[photo.key] = frames
        manifest.entries[photo.key] = Entry(
            photo.key, name, RENDERING, settings_hash=digest, settings=record, started=now()
        )
    return plan


def store_inline(job: Job, result: JobResult) -> JobResult:
    """Write the clip an inline (cluster) job sent back to its output, atomically."""
    if result.ok and result.clip_bytes is not None:
        try:
            with atomic_output(job.output, force=True) as tmp:
                tmp.write_bytes(result.clip_bytes)
        except (OSError, DepthreelError) as exc:
            return JobResult(job.key, ok=False, error=f"cannot write {job.output}: {exc}")
        result.clip_bytes = None
    return result


def _record(manifest: Manifest, job: Job, result: JobResult) -> JobResult:
    """Store a finished job (writing inline clips) in the manifest entry."""
    entry = manifest.entries[job.key]
    result = store_inline(job, result)
    entry.finished = now()
    entry.worker = result.worker or None
    entry.timings = result.timings
    if result.ok:
        entry.status, entry.error = DONE, None
        entry.size = job.output.stat().st_size
        entry.frames, entry.motion, entry.depth_source = (
            result.frames,
            result.motion,
            result.depth_source,
        )
    else:
        entry.status, entry.error = FAILED, result.error
    return result


def run_batch(
    request: BatchRequest, registry: Registry, notice: Callable[[str], None]
) -> BatchSummary:
    """Render every photo of the album into the output folder; see BatchSummary."""
    start = time.perf_counter()
    if request.settings.depth_file is not None:
        raise DepthreelError("--depth names one photo's depth map; batch estimates each photo's")
    out_dir = prepare_out_dir(request.out_dir)
    request.out_dir = out_dir
    check_settings(registry, request.settings)
    with locked(out_dir):
        remove_partials(out_dir)
        photos = load_album(request.album, request.album_file, request.recursive, out_dir, notice)
        manifest = Manifest.load(out_dir)
        manifest.album = str(Path(request.album).resolve())
        summary = BatchSummary(total=len(photos), manifest=manifest.path)
        executor = make_executor(request.executor, request.workers, request.cluster, registry)
        try:
            plan = plan_batch(photos, request, registry, manifest, summary, executor.inline)
            manifest.save()
            _dispatch(plan, executor, manifest, summary, request.quiet)
        finally:
            executor.close()
    summary.seconds = time.perf_counter() - start
    return summary


def _dispatch(
    plan: _Plan, executor: Executor, manifest: Manifest, summary: BatchSummary, quiet: bool
) -> None:
    jobs = {job.key: job for job in plan.jobs}
    progress = BatchProgress(len(jobs), sum(plan.expected.values()), quiet)
    results = executor.run(plan.jobs, progress.frames)
    try:
        for result in results:
            result = _record(manifest, jobs[result.key], result)
            manifest.save()
            for message in result.notices:
                progress.notice(result.key, message)
            progress.finished(result.key, result.ok, result.frames, plan.expected[result.key])
            if result.ok:
                summary.rendered.append(result.key)
            else:
                summary.failed[result.key] = result.error or "failed"
                if not quiet:
                    progress.write(f"failed: {result.key}: {result.error}")
    except KeyboardInterrupt:
        results.close()  # stop the workers first: a clip may land meanwhile
        for key, job in jobs.items():
            entry = manifest.entries[key]
            if entry.status == RENDERING:
                entry.status = INTERRUPTED
                if manifest.adopt(key, job.output, entry.settings_hash, plan.expected[key]):
                    summary.rendered.append(key)
        manifest.save()
        raise BatchInterrupted(summary) from None
    finally:
        results.close()  # an interrupted executor stops its workers here
        progress.close()
