"""One photo's render as a picklable job, so any executor (in process, pool, cluster) can run it."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from depthreel.batch.album import Overrides
from depthreel.errors import DepthreelError
from depthreel.pipeline import RenderSettings
from depthreel.presets import ExportPreset
from depthreel.progress import Progress, ProgressFactory, silent_progress
from depthreel.registry import Registry

Reporter = Callable[[str, int], None]  # (photo key, frames just rendered)
SCRATCH = "depthreel-job-"  # prefix of an inline job's temp folder on a cluster worker


@dataclass
class Job:
    """Render `photo` to `output` with `settings`.

    `inline` jobs carry the photo's bytes and return the clip's bytes, for workers that do
    not share the album's filesystem (cluster executors); the parent writes the output.
    """

    key: str
    photo: Path
    output: Path
    settings: RenderSettings
    frames: int
    force: bool = False
    inline: bool = False
    photo_bytes: bytes | None = None


@dataclass
class JobResult:
    """What became of a job: frames rendered and timings, or a one-line error."""

    key: str
    ok: bool
    error: str | None = None
    frames: int = 0
    motion: str | None = None
    depth_source: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    worker: str = ""
    clip_bytes: bytes | None = None


def photo_settings(base: RenderSettings, overrides: Overrides, preset: ExportPreset) -> Any:
    """The settings for one photo: the command line's, with the album file's overrides."""
    from depthreel.pipeline import effect_request
    from depthreel.specs import parse_spec

    settings = dataclasses.replace(base)
    if overrides.motion:
        settings.motion, settings.motion_options = parse_spec(overrides.motion)
    if overrides.effects is not None:
        settings.effects = [parse_spec(spec) for spec in overrides.effects]
    if overrides.duration is not None:
        settings.duration = overrides.duration
    if overrides.caption:
        effects = list(effect_request(preset, settings))
        settings.effects = [*effects, ("caption", {"text": overrides.caption})]
    return settings


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


# Settings that do not change the clip, so changing them does not make a clip stale.
NOT_IN_CLIP = ("no_cache", "allow_huge")


def settings_record(settings: RenderSettings, preset: ExportPreset) -> dict[str, Any]:
    """The settings as JSON data, with the resolved preset (so an edited preset re-renders)."""
    preset_data = _jsonable(preset)
    preset_data.pop("source", None)
    data = _jsonable(settings)
    for name in NOT_IN_CLIP:
        data.pop(name, None)
    return {"settings": data, "preset": preset_data}


def settings_hash(record: dict[str, Any], photo_digest: str) -> str:
    """One hash for "this photo rendered with these settings"."""
    text = json.dumps({"record": record, "photo": photo_digest}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@cache
def _process_registry() -> Registry:
    """The registry of this (worker) process, built once: same plugins as the parent's."""
    from depthreel.plugins import get_plugin_manager

    return Registry.from_plugin_manager(get_plugin_manager())


class _Reported:
    """A progress bar that forwards frame counts to a reporter (e.g. the parent's queue)."""

    def __init__(self, key: str, reporter: Reporter) -> None:
        self.key, self.reporter = key, reporter

    def update(self, n: int = 1) -> None:
        self.reporter(self.key, n)

    def close(self) -> None:
        return None


def _progress_for(key: str, reporter: Reporter | None) -> ProgressFactory:
    if reporter is None:
        return silent_progress

    def factory(total: int, label: str) -> Progress:
        return _Reported(key, reporter)

    return factory


def one_line(exc: BaseException) -> str:
    """A failure as one line: the DepthreelError's message, else the exception's type and text."""
    if isinstance(exc, DepthreelError):
        text = str(exc)
    elif isinstance(exc, MemoryError):
        text = "out of memory; try a smaller preset or fewer workers"
    else:
        text = f"internal error: {type(exc).__name__}: {exc}"
    lines = text.strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def run_job(
    job: Job,
    registry: Registry | None = None,
    reporter: Reporter | None = None,
) -> JobResult:
    """Render one job; failures become a result with a one-line error (interrupts propagate)."""
    from depthreel.pipeline import render_clip

    notices: list[str] = []
    worker = f"{socket.gethostname()}:{os.getpid()}"
    photo = job.photo
    try:
        with contextlib.ExitStack() as stack:
            output = job.output
            if job.inline:  # work on copies in a scratch folder of this worker
                assert job.photo_bytes is not None
                scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=SCRATCH)))
                photo = scratch / Path(job.key).name
                photo.write_bytes(job.photo_bytes)
                output = scratch / f"clip{job.output.suffix}"
            report = render_clip(
                photo,
                output,
                job.settings,
                registry or _process_registry(),
                notices.append,
                progress=_progress_for(job.key, reporter),
                force=job.force,
            )
            clip = output.read_bytes() if job.inline else None
    except Exception as exc:
        error = one_line(exc)
        if job.inline:  # name the user's photo, not the worker's scratch copy
            error = error.replace(str(photo), str(job.photo))
        return JobResult(job.key, ok=False, error=error, notices=notices, worker=worker)
    return JobResult(
        job.key,
        ok=True,
        frames=report.frames,
        motion=report.motion,
        depth_source=report.depth_source,
        timings=report.timings,
        notices=notices,
        worker=worker,
        clip_bytes=clip,
    )
