"""The streaming video writer: playable H.264 with the preset's settings, atomic output."""

from __future__ import annotations

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
