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
# Input options that tag raw frames as depthreel.yuv makes them: BT.709, limited range.
COLOUR_TAGS = [
    "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709",
    "-color_range", "tv",
]  # fmt: skip


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def input_format(preset: ExportPreset, width: int, height: int) -> str:
    """The raw frames a writer takes for `preset`: "yuv420p" where the stream is 4:2:0 YUV
    (converted by depthreel.yuv, tagged BT.709), else "rgb24" (converted by ffmpeg)."""
    even = width % 2 == 0 and height % 2 == 0
    return "yuv420p" if preset.pix_fmt == "yuv420p" and preset.codec != "gif" and even else "rgb24"


def raw_input_args(pixel_format: str, width: int, height: int, fps: float) -> list[str]:
    """ffmpeg input arguments for raw frames of `pixel_format` (path or "-" to follow)."""
    args = [
        "-f", "rawvideo", "-pix_fmt", pixel_format, "-s", f"{width}x{height}", "-r", f"{fps:g}",
    ]  # fmt: skip
    return args + (COLOUR_TAGS if pixel_format == "yuv420p" else [])


def colour_args(preset: ExportPreset, pixel_format: str = "rgb24") -> list[str]:
    """ffmpeg output arguments that make and tag a YUV stream BT.709 limited range.

    ffmpeg's default conversion of RGB is BT.601, which players do not assume for HD video.
    Frames that come as yuv420p are BT.709 already and tagged on the input (raw_input_args):
    tagging them on the output would make ffmpeg convert them from its default matrix. RGB
    is converted by a scale filter and its frames tagged by setparams (output options alone
    leave the primaries and transfer unknown).
    """
    if not preset.pix_fmt.startswith("yuv") or pixel_format != "rgb24":
        return []
    tags = "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv"
    return ["-vf", f"scale=out_color_matrix=bt709:out_range=tv,{tags}"]


def encoder_args(preset: ExportPreset, pixel_format: str = "rgb24") -> list[str]:
    """ffmpeg output arguments for a preset (codec, quality, pixel format, colour, container).

    pixel_format: the raw input's (input_format); see colour_args.
    """
    if preset.codec == "gif":
        return [
            "-vf",
            "split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse=dither=bayer:bayer_scale=3",
            "-loop",
            "0",
            "-f",
            "gif",
        ]
    args = ["-c:v", preset.codec, "-pix_fmt", preset.pix_fmt, *colour_args(preset, pixel_format)]
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
    """Write frames to `path` through an ffmpeg pipe; use as a context manager.

    Frames are RGB (H, W, 3) uint8, or already packed in `input_format` (see write).
    """

    def __init__(self, path: Path, width: int, height: int, preset: ExportPreset) -> None:
        self.path = Path(path)
        self.width, self.height = width, height
        self.preset = preset
        self.input_format = input_format(preset, width, height)
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
            *raw_input_args(self.input_format, self.width, self.height, self.preset.fps),
            "-i",
            "-",
            "-an",
            *encoder_args(self.preset, self.input_format),
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
        """Append one frame: (height, width, 3) uint8 RGB, or packed yuv420p bytes (1-D
        uint8) when input_format is "yuv420p"."""
        rgb = (self.height, self.width, 3)
        packed = (self.width * self.height * 3 // 2,)
        yuv = self.input_format == "yuv420p"
        if frame.dtype != np.uint8 or frame.shape not in ((rgb, packed) if yuv else (rgb,)):
            raise ValueError(f"frame {frame.shape} {frame.dtype} != {rgb}")
        if yuv and frame.shape == rgb:
            from depthreel.yuv import rgb_to_yuv420p  # Numba: only once frames are written

            frame = rgb_to_yuv420p(frame)
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
