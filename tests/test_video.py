"""The streaming video writer: playable H.264 with the preset's settings, atomic output."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from conftest import probe

from depthreel.errors import DepthreelError
from depthreel.outputs import atomic_output
from depthreel.presets import ExportPreset
from depthreel.video import ThreadedWriter, VideoWriter


def frames(n, w=64, h=96):
    for i in range(n):
        frame = np.zeros((h, w, 3), np.uint8)
        frame[:, (i * 3) % w] = 255
        yield frame


def test_writes_a_playable_h264_with_faststart(tmp_path):
    preset = ExportPreset(
        name="t", width=64, height=96, fps=24, duration=0.5, encoder_preset="ultrafast"
    )
    out = tmp_path / "clip.mp4"
    with (
        atomic_output(out, force=False) as tmp,
        VideoWriter(tmp, 64, 96, preset) as video,
        ThreadedWriter(video) as sink,
    ):
        for frame in frames(12):
            sink.put(frame)
    info = probe(out)
    assert (info.codec, info.pix_fmt, info.width, info.height) == ("h264", "yuv420p", 64, 96)
    assert info.fps == 24 and info.frames == 12 and info.faststart
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]


def test_failure_leaves_no_file_and_keeps_the_old_one(tmp_path):
    preset = ExportPreset(
        name="t", width=64, height=96, fps=24, duration=0.5, encoder_preset="ultrafast"
    )
    out = tmp_path / "clip.mp4"
    out.write_bytes(b"old")
    with (
        pytest.raises(RuntimeError),
        atomic_output(out, force=True) as tmp,
        VideoWriter(tmp, 64, 96, preset) as video,
    ):
        video.write(next(frames(1)))
        raise RuntimeError("render failed half way")
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]


def test_encoder_errors_are_reported(tmp_path):
    # An odd width is rejected by libx264 with yuv420p: the error surfaces as one line.
    preset = ExportPreset(name="t", width=64, height=96, fps=24, duration=0.5)
    with (
        pytest.raises(DepthreelError, match="video encoder failed"),
        atomic_output(tmp_path / "x.mp4", force=False) as tmp,
        VideoWriter(tmp, 63, 96, preset) as video,
        ThreadedWriter(video) as sink,
    ):
        for _ in range(50):
            sink.put(np.zeros((96, 63, 3), np.uint8))
    assert list(tmp_path.iterdir()) == []


def test_existing_output_is_not_overwritten_without_force(tmp_path):
    out = tmp_path / "clip.mp4"
    out.write_bytes(b"old")
    with (
        pytest.raises(DepthreelError, match="already exists; use --force"),
        atomic_output(out, force=False),
    ):
        pass
    assert out.read_bytes() == b"old"


def test_outputs_get_the_usual_permissions(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        with atomic_output(tmp_path / "x.bin", force=False) as tmp:
            tmp.write_bytes(b"data")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "x.bin").stat().st_mode) == 0o644


def decoded(path, w, h):
    """The first frame of a clip as RGB, decoded as BT.709 limited range."""
    from depthreel.video import ffmpeg_exe

    cmd = [
        ffmpeg_exe(), "-loglevel", "error", "-i", str(path), "-frames:v", "1",
        "-vf", "scale=in_color_matrix=bt709:in_range=tv",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
    ]  # fmt: skip
    raw = subprocess.run(cmd, capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(h, w, 3)


PATCHES = [(230, 40, 40), (40, 200, 60), (40, 60, 220), (128, 128, 128), (225, 170, 140)]


@pytest.mark.parametrize(
    ("pix_fmt", "packed"), [("yuv420p", True), ("yuv420p", False), ("yuv444p", False)]
)
def test_streams_are_bt709_and_their_colours_come_back(tmp_path, pix_fmt, packed):
    """Frames go in packed by depthreel.yuv or as RGB (converted by ffmpeg with BT.709): the
    stream says BT.709 limited range, and decoding it that way gives the colours back."""
    from depthreel.yuv import rgb_to_yuv420p

    w, h = 80, 64
    frame = np.zeros((h, w, 3), np.uint8)
    for k, colour in enumerate(PATCHES):
        frame[:, 16 * k : 16 * (k + 1)] = colour
    preset = ExportPreset(name="t", width=w, height=h, fps=24, crf=0, pix_fmt=pix_fmt)
    out = tmp_path / "clip.mp4"
    with VideoWriter(out, w, h, preset) as video:
        assert video.input_format == ("yuv420p" if pix_fmt == "yuv420p" else "rgb24")
        for _ in range(3):
            video.write(rgb_to_yuv420p(frame) if packed else frame)
    info = probe(out)
    assert info.pix_fmt == pix_fmt and info.colour.startswith("tv, bt709,")  # all three BT.709
    back = decoded(out, w, h).astype(int)
    for k, colour in enumerate(PATCHES):  # inside each patch, away from chroma's blocks
        inner = back[4:-4, 16 * k + 4 : 16 * (k + 1) - 4].reshape(-1, 3)
        assert np.abs(inner - colour).max() <= 3, (colour, inner.mean(axis=0))


def test_a_packed_frame_of_the_wrong_size_is_refused(tmp_path):
    preset = ExportPreset(name="t", width=64, height=96, fps=24)
    with pytest.raises(ValueError), VideoWriter(tmp_path / "x.mp4", 64, 96, preset) as video:
        video.write(np.zeros(64 * 96, np.uint8))
