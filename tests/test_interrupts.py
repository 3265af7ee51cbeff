"""Bad things that happen around a command, run as a real process: Ctrl-C and SIGTERM in the
middle of a render, the disk filling up (a file size limit, as `ulimit -f` sets), an output
folder the user may not write to. Each leaves a one-line error and no file behind."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from commands import COMMANDS
from conftest import scene_photo
from test_bad_inputs import one_error_line, snapshot

FRAMES = [c for c in COMMANDS if "frames" in c.takes]
LONG = ["--duration", "60"]  # long enough that the signal surely arrives mid-render


def depthreel(args: list[str], **options) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "depthreel", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        **options,
    )


def wait_for_frames(folder: Path, proc: subprocess.Popen[str], timeout: float = 90) -> None:
    """Until the encoder's temp file exists, then a moment more: frames are being rendered.

    (The temp file's size says nothing: ffmpeg buffers the first frames.)
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(".partial" in p.name for p in folder.iterdir()):
            time.sleep(1.0)
            assert proc.poll() is None, proc.communicate()[0]
            return
        assert proc.poll() is None, proc.communicate()[0]
        time.sleep(0.05)
    proc.kill()
    pytest.fail("the render never started writing")


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
@pytest.mark.parametrize("command", FRAMES, ids=lambda c: c.name)
def test_interrupted_render_leaves_nothing(tmp_path, command, how):
    photo = scene_photo(tmp_path / "photo.jpg")
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    before = snapshot(tmp_path)
    proc = depthreel(command.argv(photo, out, *LONG), start_new_session=True)
    wait_for_frames(out, proc)
    if how == "ctrl-c":  # a terminal sends SIGINT to the whole foreground group, ffmpeg too
        os.killpg(proc.pid, signal.SIGINT)
    else:  # `kill PID` reaches depthreel alone
        os.kill(proc.pid, signal.SIGTERM)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, output
    one_error_line(output, ("interrupted; nothing was written",))
    assert snapshot(tmp_path) == before  # no clip, no temp file, the other file untouched


def limit_file_size(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_disk_full_is_one_line(tmp_path, command):
    photo = scene_photo(tmp_path / "photo.jpg")
    before = snapshot(tmp_path)
    proc = depthreel(command.argv(photo, tmp_path), preexec_fn=lambda: limit_file_size(8192))
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 1, output
    one_error_line(output, ("disk full or file size limit reached",))
    assert snapshot(tmp_path) == before


def without_root_override() -> None:
    """Drop the capabilities that let root ignore file permissions (for the exec'd command)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "cannot drop capabilities")


def run_unprivileged(argv: list[str]) -> tuple[int, str]:
    """Run depthreel to the end (as root, without root's permission override; the test is
    skipped where that cannot be dropped); its exit code and output."""
    as_root = os.geteuid() == 0
    try:
        proc = depthreel(argv, preexec_fn=without_root_override if as_root else None)
        output, _ = proc.communicate(timeout=120)
    except subprocess.SubprocessError:
        pytest.skip("root's permission override cannot be dropped here")
    return proc.returncode, output


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_output_folder_not_writable(tmp_path, command):
    """Root may write anywhere, so as root the command runs without that privilege."""
    photo = scene_photo(tmp_path / "photo.jpg")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        code, output = run_unprivileged(command.argv(photo, locked))
    finally:
        locked.chmod(0o755)
    assert code == 1, output
    one_error_line(output, (f"output folder {locked} is not writable",))
    assert list(locked.iterdir()) == []


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_photo_without_read_permission(tmp_path, command):
    photo = scene_photo(tmp_path / "private.jpg")
    photo.chmod(0o000)
    try:
        code, output = run_unprivileged(command.argv(photo, tmp_path))
    finally:
        photo.chmod(0o644)
    # Click checks that the argument is readable: a usage error (exit 2) naming the file.
    assert code == 2, output
    errors = [line for line in output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and "private.jpg" in errors[0] and "not readable" in errors[0]
    assert "Traceback" not in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["private.jpg"]


def test_listing_into_a_closed_pipe_is_quiet():
    """`depthreel plugins | head -1`: a reader that goes away is no error worth a message."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "depthreel", "plugins"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the command writes: its first write meets a closed pipe
    stderr = proc.stderr.read()
    assert proc.wait(timeout=60) != 0
    assert "Error" not in stderr and "Traceback" not in stderr, stderr
