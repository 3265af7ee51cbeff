"""The worker-process side of the process pool: thread limits, clean interrupts, progress.

A worker renders one photo at a time. SIGTERM or SIGINT during a render raises
KeyboardInterrupt there, so the atomic output removes its temp file; a worker whose parent
died (even by SIGKILL) notices within half a second and interrupts itself the same way.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported inside functions: the thread caps must come before numpy loads
    from depthreel.batch.jobs import Job, JobResult

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMBA_NUM_THREADS",
    "OPENCV_FOR_THREADS_NUM",
)


class _State:
    """This process's worker state (set by `initialize`)."""

    queue: Any = None
    busy = False
    job = 0  # jobs started so far
    orphaned = False


def thread_environment(threads: int) -> dict[str, str]:
    """Environment variables that cap each numeric library's thread pool at `threads`."""
    return {name: str(max(1, threads)) for name in THREAD_VARIABLES}


def limit_threads(threads: int) -> None:
    """Cap this process's library thread pools (before they are imported, where it matters)."""
    os.environ.update(thread_environment(threads))
    import cv2

    cv2.setNumThreads(max(1, threads))


def _on_signal(signum: int, frame: Any) -> None:
    if _State.busy:
        raise KeyboardInterrupt
    raise SystemExit(0)  # idle: unwinding releases the pool's queue locks


def _watch_parent(parent: int) -> None:
    """Stop this worker once its parent is gone: abort its render (cleanly), then exit."""
    while os.getppid() == parent:
        time.sleep(0.5)
    _State.orphaned = True
    signalled = None
    deadline = time.monotonic() + 10.0
    while _State.busy and time.monotonic() < deadline:
        if _State.job != signalled:  # once per job: a second signal could cut its cleanup short
            signalled = _State.job
            os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.1)
    os._exit(0)


def initialize(queue: Any, threads: int) -> None:
    """Process-pool initializer: thread caps, signal handlers, parent watchdog, progress queue."""
    limit_threads(threads)
    _State.queue = queue
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()


def _report(key: str, frames: int) -> None:
    if _State.queue is not None:
        _State.queue.put((key, frames))


def run_in_worker(job: Job) -> JobResult:
    """Run a job in a pool worker; an interrupt becomes an "interrupted" result."""
    from depthreel.batch.jobs import JobResult, run_job

    if _State.orphaned:
        return JobResult(job.key, ok=False, error="interrupted")
    _State.job += 1
    _State.busy = True
    try:
        return run_job(job, reporter=_report)
    except KeyboardInterrupt:
        return JobResult(job.key, ok=False, error="interrupted")
    finally:
        _State.busy = False


def run_remote(job: Job, photo_bytes: bytes) -> JobResult:
    """Run an inline job on a cluster worker, its photo's bytes shipped separately."""
    from depthreel.batch.jobs import run_job

    job.photo_bytes = photo_bytes
    return run_job(job)
