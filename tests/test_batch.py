"""`depthreel batch` end to end: failures reported, finished clips kept, resume after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import probe, scene_photo

from depthreel.cli import cli

FAST = ["--preset", "preview", "--duration", "0.5", "--estimator", "classic", "--quiet"]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())["photos"]


def partials(*folders: Path) -> list[Path]:
    return [p for folder in folders for p in folder.rglob("*") if ".partial" in p.name]


def clips(out: Path) -> dict[str, int]:
    """Finished clips (not hidden temp files) and their modification times."""
    return {p.name: p.stat().st_mtime_ns for p in out.glob("*.mp4") if not p.name.startswith(".")}


def album_of(folder: Path, names: list[str]) -> Path:
    folder.mkdir(exist_ok=True)
    for index, name in enumerate(names):
        scene_photo(folder / name, width=200 + 8 * index, height=150)
    return folder


def test_corrupt_photo_is_reported_and_done_photo_skipped(tmp_path):
    album = album_of(tmp_path / "album", ["a.jpg"])
    out = tmp_path / "out"
    first = run("batch", album, "-o", out, *FAST)
    assert first.exit_code == 0, first.output
    done_at = (out / "a.mp4").stat().st_mtime_ns

    album_of(album, ["a.jpg", "b.jpg", "c.jpg", "d.png"])
    (album / "broken.jpg").write_bytes(b"not a jpeg at all")
    (album / "notes.txt").write_text("ignored: not a photo")
    (album / "album.toml").write_text(
        '[photos."c.jpg"]\nskip = true\n\n'
        '[photos."d.png"]\nduration = 0.25\nmotion = "horizontal"\ncaption = "Lisbon"\n'
    )
    (album / "a.jpg").touch()  # a new mtime does not make the photo new: its content counts
    second = run("batch", album, "-o", out, *FAST)

    assert second.exit_code == 1
    lines = second.output.strip().splitlines()
    assert "1 already done" in lines[0] and "2 rendered" in lines[0] and "1 failed" in lines[0]
    assert "1 skipped by the album file" in lines[0]
    assert lines[1].startswith("  failed broken.jpg:") and "not an image" in lines[1]
    assert "Traceback" not in second.output
    assert (out / "a.mp4").stat().st_mtime_ns == done_at
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "a.mp4",
        "b.mp4",
        "d.mp4",
        "manifest.json",
    ]
    assert probe(out / "b.mp4").frames == 12 and probe(out / "d.mp4").frames == 6
    photos = manifest(out)
    assert {key: entry["status"] for key, entry in photos.items()} == {
        "a.jpg": "done",
        "b.jpg": "done",
        "broken.jpg": "failed",
        "c.jpg": "skipped",
        "d.png": "done",
    }
    assert "not an image" in photos["broken.jpg"]["error"]
    assert photos["d.png"]["motion"] == "horizontal"
    assert photos["d.png"]["size"] == (out / "d.mp4").stat().st_size
    assert photos["b.jpg"]["frames"] == 12 and photos["b.jpg"]["timings"]["total"] > 0
    assert partials(album, out) == []


def test_changed_settings_or_damaged_clip_render_again(tmp_path):
    album = album_of(tmp_path / "album", ["a.jpg", "b.jpg"])
    out = tmp_path / "out"
    assert run("batch", album, "-o", out, *FAST).exit_code == 0
    (out / "b.mp4").write_bytes(b"truncated")  # size no longer matches the manifest
    again = run("batch", album, "-o", out, *FAST[:-1])
    assert again.exit_code == 0 and "1 rendered, 1 already done" in again.output
    shorter = run("batch", album, "-o", out, *FAST[:2], "--duration", "0.25", *FAST[4:])
    assert shorter.exit_code == 0
    assert probe(out / "a.mp4").frames == 6 and probe(out / "b.mp4").frames == 6
    # New settings, same photos: the depth cache spares estimating them again.
    assert all(e["depth_source"].endswith("(cached)") for e in manifest(out).values())


def test_an_output_the_batch_did_not_make_needs_force(tmp_path):
    album = album_of(tmp_path / "album", ["a.jpg"])
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.mp4").write_bytes(b"precious")
    result = run("batch", album, "-o", out, *FAST)
    assert result.exit_code == 1 and "is not in the manifest; use --force" in result.output
    assert (out / "a.mp4").read_bytes() == b"precious"


def test_one_batch_per_output_folder(tmp_path):
    from filelock import FileLock

    album = album_of(tmp_path / "album", ["a.jpg"])
    out = tmp_path / "out"
    out.mkdir()
    with FileLock(str(out / ".depthreel-batch.lock")):
        result = run("batch", album, "-o", out, *FAST)
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: another depthreel batch is writing to {out}"


@pytest.mark.parametrize("executor", ["dask", "ray"])
def test_missing_extra_is_a_one_line_error(tmp_path, monkeypatch, executor):
    monkeypatch.setitem(sys.modules, "distributed" if executor == "dask" else "ray", None)
    album = album_of(tmp_path / "album", ["a.jpg"])
    result = run("batch", album, "-o", tmp_path / "out", "--executor", executor, *FAST)
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: --executor {executor} needs the '{executor}' extra: "
        f"pip install 'depthreel[{executor}]'"
    )


def test_batch_rejects_a_single_depth_map(tmp_path):
    album = album_of(tmp_path / "album", ["a.jpg"])
    result = run("batch", album, "-o", tmp_path / "out", "--depth", album / "a.jpg", *FAST)
    assert result.exit_code == 1 and "depth map" in result.output


@pytest.mark.slow
def test_resume_after_sigkill_renders_only_what_is_missing(tmp_path):
    """Kill a two-worker batch once its first clip lands; its workers clean up and stop, and
    the restarted run renders only the missing clips."""
    names = ["p1.jpg", "p2.jpg", "p3.jpg", "p4.jpg"]
    album = album_of(tmp_path / "album", names)
    out = tmp_path / "out"
    args = ["batch", album, "-o", out, *FAST[:2], "--duration", "1.5", *FAST[4:], "-w", "2"]
    command = [sys.executable, "-m", "depthreel", *map(str, args)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not clips(out) if out.exists() else True:
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()

    def partial_clips() -> list[Path]:  # the killed parent's manifest temp file may remain
        return [p for p in partials(out) if p.name.endswith(".mp4")]

    deadline = time.monotonic() + 15  # orphaned workers abort, remove their temp clips, exit
    while partial_clips() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert partial_clips() == []
    time.sleep(0.5)
    first = clips(out)
    assert 1 <= len(first) < len(names)

    loud = [arg for arg in command if arg != "--quiet"]
    result = subprocess.run(loud, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert {name: t for name, t in clips(out).items() if name in first} == first
    assert sorted(clips(out)) == ["p1.mp4", "p2.mp4", "p3.mp4", "p4.mp4"]
    assert f"{4 - len(first)} rendered, {len(first)} already done" in result.stdout
    assert all(entry["status"] == "done" for entry in manifest(out).values())
    assert partials(album, out) == []
    assert len({entry["worker"] for entry in manifest(out).values()} - {None}) >= 2


@pytest.mark.slow
def test_sigterm_stops_workers_cleanly_and_says_how_to_resume(tmp_path):
    album = album_of(tmp_path / "album", ["p1.jpg", "p2.jpg", "p3.jpg", "p4.jpg"])
    out = tmp_path / "out"
    args = ["batch", album, "-o", out, *FAST[:2], "--duration", "2", *FAST[4:], "-w", "2"]
    command = [sys.executable, "-m", "depthreel", *map(str, args)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not clips(out) if out.exists() else True:
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert stderr.strip().splitlines()[-1].startswith("Error: interrupted with ")
    assert "run the same command again to resume" in stderr
    assert partials(album, out) == []
    assert all(probe(out / name).frames == 48 for name in clips(out))  # complete clips only
    statuses = {entry["status"] for entry in manifest(out).values()}
    assert statuses <= {"done", "interrupted"} and "interrupted" in statuses


@pytest.mark.slow
def test_dask_executor_on_a_loopback_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    album = album_of(tmp_path / "album", ["a.jpg", "b.jpg", "broken.jpg"])
    (album / "broken.jpg").write_bytes(b"\xff\xd8 truncated")
    out = tmp_path / "out"
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        result = run("batch", album, "-o", out, "--executor", "dask", "--cluster", address, *FAST)
    assert result.exit_code == 1 and "failed broken.jpg" in result.output
    assert "/tmp/depthreel-job" not in result.output  # errors name the user's photo
    photos = manifest(out)
    assert photos["a.jpg"]["status"] == photos["b.jpg"]["status"] == "done"
    workers = {photos[key]["worker"].rsplit(":", 1)[1] for key in ("a.jpg", "b.jpg")}
    assert workers and str(os.getpid()) not in workers  # rendered by the cluster's worker
    assert probe(out / "a.mp4").frames == 12
    assert partials(out) == []


@pytest.mark.slow
def test_ray_executor_on_a_local_instance(tmp_path):
    """--executor ray without --cluster: a private Ray instance on loopback runs the jobs."""
    pytest.importorskip("ray")
    album = album_of(tmp_path / "album", ["a.jpg", "b.jpg", "broken.jpg"])
    (album / "broken.jpg").write_bytes(b"\xff\xd8 truncated")
    out = tmp_path / "out"
    result = run("batch", album, "-o", out, "--executor", "ray", "--workers", "1", *FAST)
    assert result.exit_code == 1 and "failed broken.jpg" in result.output
    assert "WARNING" not in result.output  # Ray's own start-up chatter stays quiet
    photos = manifest(out)
    assert photos["a.jpg"]["status"] == photos["b.jpg"]["status"] == "done"
    workers = {photos[key]["worker"].rsplit(":", 1)[1] for key in ("a.jpg", "b.jpg")}
    assert workers and str(os.getpid()) not in workers  # rendered by a Ray worker process
    assert probe(out / "a.mp4").frames == 12
    assert partials(out) == []


def test_help_lists_the_batch_and_reel_options():
    for command, options in [
        ("batch", ["--workers", "--executor", "--cluster", "--album", "--recursive", "--preset"]),
        ("reel", ["--music", "--length", "--transition", "--captions", "--motion", "--workers"]),
    ]:
        result = run(command, "--help")
        assert result.exit_code == 0
        assert all(option in result.output for option in options), result.output
