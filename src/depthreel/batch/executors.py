"""Where jobs run: in this process, in a local process pool, or on a dask or ray cluster.

Every executor takes the same jobs and yields JobResults as they finish; the renderer itself
is unchanged. Cluster executors ship photo bytes out and clip bytes back (`inline` jobs), so
workers need depthreel installed but no access to the album's filesystem.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
import uuid
from collections.abc import Generator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol

from depthreel.batch.jobs import Job, JobResult, Reporter, one_line, run_job
from depthreel.errors import DepthreelError
from depthreel.registry import Registry

EXECUTORS = ("local", "process", "dask", "ray")
EXTRA_HINT = "pip install 'depthreel[{extra}]'"
STOP_GRACE = 10.0  # seconds interrupted workers get to abort their render and clean up


class Executor(Protocol):
    inline: bool

    def run(self, jobs: Sequence[Job], report: Reporter) -> Generator[JobResult, None, None]:
        """Run the jobs, yielding each result as it finishes (frames through `report`)."""
        ...

    def close(self) -> None: ...


def threads_per_worker(workers: int) -> int:
    """Library threads each worker may use so `workers` of them do not oversubscribe the CPU."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (usable or 1) // max(1, workers))


class LocalExecutor:
    """Photos one after another in this process (the default for one worker)."""

    inline = False

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def run(self, jobs: Sequence[Job], report: Reporter) -> Generator[JobResult, None, None]:
        for job in jobs:
            yield run_job(job, self.registry, report)

    def close(self) -> None:
        return None


class ProcessExecutor:
    """A pool of spawned worker processes on this machine, frame progress through a queue."""

    inline = False

    def __init__(self, workers: int) -> None:
        from depthreel.batch import worker

        context = multiprocessing.get_context("spawn")
        self.queue: Any = context.Queue()
        self.interrupted = False
        self.threads = threads_per_worker(workers)
        self.pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=worker.initialize,
            initargs=(self.queue, self.threads),
        )

    def _drain(self, report: Reporter, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                key, frames = self.queue.get(timeout=0.1)
            except queue.Empty:
                continue
            except (EOFError, OSError):
                return
            report(key, frames)

    def run(self, jobs: Sequence[Job], report: Reporter) -> Generator[JobResult, None, None]:
        from depthreel.batch.worker import run_in_worker, thread_environment

        stop = threading.Event()
        listener = threading.Thread(target=self._drain, args=(report, stop), daemon=True)
        listener.start()
        # The workers start with the first submission: give them the thread caps in their
        # environment, as numpy reads them when it loads (before any initializer runs).
        with _environment(thread_environment(self.threads)):
            futures: dict[Future[JobResult], Job] = {
                self.pool.submit(run_in_worker, job): job for job in jobs
            }
        pending = set(futures)
        try:
            while pending:
                done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                for future in done:
                    yield _result(future, futures[future])
        except BaseException:
            self._interrupt(futures)
            raise
        finally:
            stop.set()
            listener.join(timeout=2)

    def _processes(self) -> list[Any]:
        return list((getattr(self.pool, "_processes", None) or {}).values())

    def _interrupt(self, futures: dict[Future[JobResult], Job]) -> None:
        """Cancel what has not started and tell busy workers to stop (they clean up)."""
        self.interrupted = True
        for future in futures:
            future.cancel()
        for process in self._processes():
            with contextlib.suppress(OSError, ValueError, AttributeError):
                if process.is_alive():
                    os.kill(process.pid, signal.SIGTERM)

    def close(self) -> None:
        """Shut the pool down; after an interrupt, workers get STOP_GRACE s, then are killed."""
        if not self.interrupted:
            self.pool.shutdown(wait=True)
        else:
            processes = self._processes()
            self.pool.shutdown(wait=False, cancel_futures=True)
            deadline = time.monotonic() + STOP_GRACE
            for process in processes:
                process.join(max(0.0, deadline - time.monotonic()))
            for process in processes:
                if process.is_alive():
                    process.kill()
                    process.join(1.0)
        self.queue.close()


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Generator[None, None, None]:
    """Set environment variables for processes started inside the block."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _result(future: Any, job: Job) -> JobResult:
    """A future's JobResult; a crashed worker or lost task becomes a failed result."""
    try:
        result: JobResult = future.result()
        return result
    except Exception as exc:
        return JobResult(job.key, ok=False, error=f"worker failed: {one_line(exc)}")


def _missing_extra(name: str) -> DepthreelError:
    return DepthreelError(
        f"--executor {name} needs the '{name}' extra: {EXTRA_HINT.format(extra=name)}"
    )


class DaskExecutor:
    """dask.distributed: an existing scheduler (--cluster tcp://host:8786) or a local cluster."""

    inline = True

    def __init__(self, workers: int, address: str | None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise _missing_extra("dask") from None
        from depthreel.batch.worker import thread_environment

        self.cluster: Any = None
        try:
            if address is None:
                self.cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                    env=thread_environment(threads_per_worker(workers)),
                )
                address = self.cluster.scheduler_address
            self.client = Client(address, timeout="10s")
        except (OSError, TimeoutError) as exc:
            self.close()
            raise DepthreelError(f"cannot reach the dask scheduler at {address}: {exc}") from None
        self.slots = max(1, sum(self.client.nthreads().values()))

    def run(self, jobs: Sequence[Job], report: Reporter) -> Generator[JobResult, None, None]:
        from distributed import as_completed

        from depthreel.batch.worker import run_remote

        waiting = list(jobs)
        in_flight: dict[Any, Job] = {}
        running = as_completed()

        def submit() -> JobResult | None:
            job = waiting.pop(0)
            try:
                data = self.client.scatter(job.photo.read_bytes(), hash=False)
            except OSError as exc:
                return JobResult(job.key, ok=False, error=f"photo {job.photo}: {exc.strerror}")
            key = f"depthreel-{uuid.uuid4().hex[:12]}-{job.key}"
            future = self.client.submit(run_remote, job, data, pure=False, key=key)
            in_flight[future] = job
            running.add(future)
            return None

        try:
            while waiting or in_flight:
                while waiting and len(in_flight) < 2 * self.slots:
                    failed = submit()
                    if failed is not None:
                        yield failed
                if not in_flight:
                    continue
                future = next(running)
                yield _result(future, in_flight.pop(future))
        except BaseException:
            self.client.cancel(list(in_flight))
            raise

    def close(self) -> None:
        for part in (getattr(self, "client", None), self.cluster):
            if part is not None:
                with contextlib.suppress(Exception):
                    part.close()


class RayExecutor:
    """Ray: an existing cluster (--cluster ray://host:10001 or auto) or a local Ray instance."""

    inline = True

    def __init__(self, workers: int, address: str | None) -> None:
        try:
            import ray
        except ImportError:
            raise _missing_extra("ray") from None
        from depthreel.batch.worker import thread_environment

        self.ray = ray
        env = thread_environment(1)
        options: dict[str, Any] = {
            "include_dashboard": False,
            "log_to_driver": False,
            # ERROR: Ray's start-up notices (e.g. token authentication) would break the one
            # progress bar; failures still surface as exceptions.
            "logging_level": logging.ERROR,
        }
        if address is None:  # a private local instance, on loopback only
            options.update(num_cpus=workers, _node_ip_address="127.0.0.1")
        try:
            ray.init(address=address, runtime_env={"env_vars": env}, **options)
        except (ConnectionError, RuntimeError) as exc:
            raise DepthreelError(
                f"cannot start or reach Ray at {address or 'local'}: {exc}"
            ) from None
        self.slots = max(1, int(ray.cluster_resources().get("CPU", workers)))

    def run(self, jobs: Sequence[Job], report: Reporter) -> Generator[JobResult, None, None]:
        from depthreel.batch.worker import run_remote

        remote: Any = self.ray.remote(num_cpus=1, max_retries=0)(run_remote)
        waiting = list(jobs)
        in_flight: dict[Any, Job] = {}

        def submit() -> JobResult | None:
            job = waiting.pop(0)
            try:
                data = self.ray.put(job.photo.read_bytes())
            except OSError as exc:
                return JobResult(job.key, ok=False, error=f"photo {job.photo}: {exc.strerror}")
            in_flight[remote.remote(job, data)] = job
            return None

        try:
            while waiting or in_flight:
                while waiting and len(in_flight) < 2 * self.slots:
                    failed = submit()
                    if failed is not None:
                        yield failed
                if not in_flight:
                    continue
                ready, _ = self.ray.wait(list(in_flight), num_returns=1)
                for ref in ready:
                    yield _result(_RayFuture(self.ray, ref), in_flight.pop(ref))
        except BaseException:
            for ref in in_flight:
                with contextlib.suppress(Exception):
                    self.ray.cancel(ref, force=True)
            raise

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ray.shutdown()


class _RayFuture:
    def __init__(self, ray: Any, ref: Any) -> None:
        self.ray, self.ref = ray, ref

    def result(self) -> Any:
        return self.ray.get(self.ref)


def make_executor(
    name: str | None, workers: int, cluster: str | None, registry: Registry
) -> Executor:
    """The executor for --executor, --workers and --cluster.

    Default: local for one worker, a process pool for more.
    """
    if workers < 1:
        raise DepthreelError(f"--workers {workers} must be at least 1")
    name = name or ("local" if workers == 1 else "process")
    if cluster is not None and name not in ("dask", "ray"):
        raise DepthreelError("--cluster needs --executor dask or --executor ray")
    if name == "local":
        if workers > 1:
            raise DepthreelError("--executor local renders one photo at a time; drop --workers")
        return LocalExecutor(registry)
    if name == "process":
        return ProcessExecutor(workers)
    if name == "dask":
        return DaskExecutor(workers, cluster)
    if name == "ray":
        return RayExecutor(workers, cluster)
    raise DepthreelError(f"unknown executor '{name}'; available: {', '.join(EXECUTORS)}")
