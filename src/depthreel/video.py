"""Streaming video writer: raw frames piped to the ffmpeg binary that imageio-ffmpeg ships."""

from __future__ import annotations

import contextlib
import queue
import signal
import subprocess
import threading
from pathlib import Path
from types import TracebackType

import numpy as np

from depthreel.errors import DepthreelError
from depthreel.presets import ExportPreset

VP9_DEADLINES = ("good", "realtime", "best")


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def encoder_args(preset: ExportPreset) -> list[str]:
    """ffmpeg output arguments for a preset (codec, quality, pixel format, container flags)."""
    if preset.codec == "gif":
        return [
            "-vf",
            "split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse=dither=bayer:bayer_scale=3",
            "-loop",
            "0",
            "-f",
            "gif",
        ]
    args = ["-c:v", preset.codec, "-pix_fmt", preset.pix_fmt]
    if preset.codec in ("libx264", "libx265"):
        args += ["-preset", preset.encoder_preset]
    if preset.codec == "libvpx-vp9":
        # VP9's defaults are far slower than H.264's; "good" at cpu-used 4 is near real time.
        deadline = preset.encoder_preset if preset.encoder_preset in VP9_DEADLINES else "good"
        args += ["-deadline", deadline, "-cpu-used", "4", "-row-mt", "1"]
    if preset.bitrate:
        args += ["-b:v", preset.bitrate]
    elif preset.crf is not None:
        args += ["-crf", str(preset.crf)]
        if preset.codec == "libvpx-vp9":
            args += ["-b:v", "0"]
    if preset.codec == "libx265":
        args += ["-tag:v", "hvc1"]
    if preset.container in ("mp4", "mov"):
        args += ["-movflags", "+faststart"]
    args += ["-f", {"mp4": "mp4", "mov": "mov", "webm": "webm"}.get(preset.container, "mp4")]
    return args


class VideoWriter:
    """Write RGB uint8 frames to `path` through an ffmpeg pipe; use as a context manager."""

    def __init__(self, path: Path, width: int, height: int, preset: ExportPreset) -> None:
        self.path = Path(path)
        self.width, self.height = width, height
        self.preset = preset
        self.frames = 0
        self._stderr: list[bytes] = []
        self._proc: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None

    def __enter__(self) -> VideoWriter:
        cmd = [
            ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-s",
            f"{self.width}x{self.height}",
            "-r",
            f"{self.preset.fps:g}",
            "-i",
            "-",
            "-an",
            *encoder_args(self.preset),
            str(self.path),
        ]
        # Its own process group: a Ctrl-C in the terminal reaches depthreel alone, which then
        # stops ffmpeg itself and removes the partial file (no race with ffmpeg's own exit).
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            process_group=0,
        )
        self._reader = threading.Thread(target=self._drain_stderr, daemon=True)
        self._reader.start()
        return self

    def _drain_stderr(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        for line in self._proc.stderr:
            self._stderr.append(line)

    def _error(self) -> str:
        code = self._proc.returncode if self._proc is not None else None
        if code is not None and code < 0 and -code == getattr(signal, "SIGXFSZ", -1):
            return "disk full or file size limit reached while writing the video"
        text = b"".join(self._stderr).decode(errors="replace").strip().splitlines()
        if text:
            return text[-1]
        if code is not None and code < 0:
            return f"ffmpeg was stopped by signal {-code}"
        return "ffmpeg stopped unexpectedly"

    def write(self, frame: np.ndarray) -> None:
        """Append one (height, width, 3) uint8 RGB frame."""
        if frame.shape != (self.height, self.width, 3) or frame.dtype != np.uint8:
            raise ValueError(f"frame {frame.shape} {frame.dtype} != {(self.height, self.width, 3)}")
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.write(np.ascontiguousarray(frame).data)
        except (BrokenPipeError, OSError):
            self._proc.wait()
            raise DepthreelError(f"video encoder failed: {self._error()}") from None
        self.frames += 1

    def close(self) -> None:
        """Finish the file; raise DepthreelError when ffmpeg reports a failure."""
        assert self._proc is not None and self._proc.stdin is not None
        with contextlib.suppress(OSError):
            self._proc.stdin.close()
        code = self._proc.wait()
        if self._reader is not None:
            self._reader.join(timeout=5)
        if code != 0:
            raise DepthreelError(f"video encoder failed: {self._error()}")

    def abort(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class ThreadedWriter:
    """Feed a VideoWriter from a background thread so rendering overlaps the pipe to ffmpeg."""

    def __init__(self, writer: VideoWriter, depth: int = 4) -> None:
        self.writer = writer
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            frame = self._queue.get()
            if frame is None:
                return
            if self._error is None:
                try:
                    self.writer.write(frame)
                except BaseException as exc:  # handed to the producer thread
                    self._error = exc

    def put(self, frame: np.ndarray) -> None:
        """Queue one frame; raise the writer's error if the encoder has failed."""
        while True:
            if self._error is not None:
                raise self._error
            try:
                self._queue.put(frame, timeout=0.2)
                return
            except queue.Full:
                continue

    def __enter__(self) -> ThreadedWriter:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.writer.abort()  # unblocks a write stuck on a full pipe
        while self._thread.is_alive():
            try:
                self._queue.put(None, timeout=0.2)
                break
            except queue.Full:
                continue
        self._thread.join()
        if exc_type is None and self._error is not None:
            raise self._error
