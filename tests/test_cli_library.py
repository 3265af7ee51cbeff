"""The library from the command line: GIF and WebM presets that play, --loop, --size,
--motion auto, motion presets and `depthreel preview` contact sheets."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import probe, scene_photo

from depthreel.cli import cli

FAST = ["--estimator", "classic", "--quiet"]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def frames_of(path):
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    w, h = meta["size"]
    return [np.frombuffer(f, np.uint8).reshape(h, w, 3).astype(float) for f in reader]


def test_gif_preset_writes_a_small_seamless_loop(photo, tmp_path):
    out = tmp_path / "loop.gif"
    result = run("render", photo, "-o", out, "-p", "gif", "-d", "1", "-m", "horizontal", *FAST)
    assert result.exit_code == 0, result.output
    info = probe(out)
    assert (info.codec, info.width, info.height, info.frames) == ("gif", 270, 480, 12)
    assert b"NETSCAPE2.0" in out.read_bytes()[:2000]  # loops forever
    frames = frames_of(out)

    def step(a, b):
        return float(np.abs(frames[a] - frames[b]).mean())

    # There and back: the jump from the last frame to the first is one ordinary step.
    assert step(-1, 0) < 2.0 * step(0, 1) + 1.0
    assert step(6, 0) > 3.0 * step(-1, 0)


def test_webm_preset_is_vp9(photo, tmp_path):
    out = tmp_path / "clip.webm"
    result = run("render", photo, "-o", out, "-p", "webm", "-d", "0.2", "--size", "180x320", *FAST)
    assert result.exit_code == 0, result.output
    info = probe(out)
    assert (info.codec, info.width, info.height, info.frames) == ("vp9", 180, 320, 6)
    assert out.read_bytes()[:4] == b"\x1a\x45\xdf\xa3"  # Matroska/WebM


def test_size_and_loop_flags(photo, tmp_path):
    out = tmp_path / "square.mp4"
    result = run(
        "render", photo, "-o", out, "-p", "square", "--size", "160x160", "-d", "0.5",
        "--fps", "8", "-m", "circle", "--loop", *FAST,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    info = probe(out)
    assert (info.width, info.height, info.frames) == (160, 160, 4)
    bad = run("render", photo, "-o", tmp_path / "x.mp4", "--size", "161x90", *FAST)
    assert bad.exit_code == 1 and "WIDTHxHEIGHT" in bad.output


def test_motion_auto_says_what_it_chose(tmp_path):
    photo = scene_photo(tmp_path / "scene.jpg")
    out = tmp_path / "auto.mp4"
    result = CliRunner().invoke(
        cli,
        ["render", str(photo), "-o", str(out), "-p", "preview", "-d", "0.3", "-m", "auto", *FAST],
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if "auto motion:" in line]
    assert len(lines) == 1
    assert "at intensity" in lines[0] and "% uncovered" in lines[0]
    assert probe(out).frames == 7


def test_auto_keeps_uncovered_area_in_budget(registry, tmp_path):
    """A near box over a far wall: strong sideways moves uncover a lot; auto tones them down."""
    from depthreel.automotion import BUDGET, choose_motion, uncovered_share
    from depthreel.depthmap import PhotoDepth
    from depthreel.photo import Photo
    from depthreel.scene import Intrinsics

    h, w = 320, 240
    depth = np.full((h, w), 10.0, np.float32)
    depth[90:230, 50:190] = 1.0
    photo = Photo(np.zeros((h, w, 3), np.float32), tmp_path / "x.jpg")
    choice = choose_motion(registry, photo, PhotoDepth(depth, "test"), (180, 320))
    assert choice.trial.uncovered <= BUDGET
    assert len(choice.trials) >= 6 and choice.summary().startswith("auto motion: ")
    focal = Intrinsics.from_focal_35mm(w, h, None).focal
    strong = registry.get("motion", "horizontal")(intensity=3.0)
    assert uncovered_share(strong, depth, (w, h), focal, (90, 160)) > BUDGET
    flat = PhotoDepth(np.full((h, w), 5.0, np.float32), "flat")
    flat_choice = choose_motion(registry, photo, flat, (180, 320))
    assert (flat_choice.trial.name, flat_choice.trial.intensity) == ("circle", 1.0)


@pytest.mark.slow
def test_motion_preset_renders(photo, tmp_path):
    out = tmp_path / "dreamy.mp4"
    result = run(
        "render", photo, "-o", out, "-p", "reels-dreamy", "--size", "180x320", "-d", "0.3",
        "--estimator", "classic",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "motion circle" in result.output
    assert probe(out).frames == 9


def test_preview_sheet_for_a_photo(photo, tmp_path):
    import cv2

    out = tmp_path / "sheet.png"
    result = run(
        "preview", photo, "-o", out, "-m", "dolly", "-m", "circle:intensity=0.5",
        "--frames", "3", "--size", "60x100", *FAST,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    sheet = cv2.imread(str(out))
    from depthreel.contact import GAP, LABEL

    assert sheet.shape == (2 * (LABEL + 100 + GAP) + GAP, 3 * 60 + 2 * GAP + 2 * GAP + GAP, 3)
    row = sheet[GAP + LABEL : GAP + LABEL + 100]
    first, last = row[:, GAP : GAP + 60].astype(float), row[:, GAP + 120 + 2 * GAP :][:, :60]
    assert np.abs(first - last).mean() > 1.0  # the dolly moved between its first and last tile


def test_preview_sheet_for_a_folder(tmp_path):
    import cv2

    folder = tmp_path / "album"
    folder.mkdir()
    scene_photo(folder / "a.jpg")
    scene_photo(folder / "b.png", 200, 300)
    (folder / "notes.txt").write_text("not a photo")
    jpeg = (folder / "a.jpg").read_bytes()
    (folder / "c.jpg").write_bytes(jpeg[: len(jpeg) // 2])  # truncated: left out, not fatal
    out = tmp_path / "album.jpg"
    result = run(
        "preview", folder, "-o", out, "-m", "auto", "--frames", "2", "--size", "60x100", *FAST
    )
    assert result.exit_code == 0, result.output
    assert "leaving out c.jpg" in result.output and "truncated" in result.output
    assert cv2.imread(str(out)).shape[0] == 2 * (22 + 100 + 6) + 6  # a row per good photo
    empty = tmp_path / "empty"
    empty.mkdir()
    bad = run("preview", empty, "-o", tmp_path / "e.png", *FAST)
    assert bad.exit_code == 1 and "has no photos" in bad.output
    (empty / "c.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    bad = run("preview", empty, "-o", tmp_path / "e.png", *FAST)
    assert bad.exit_code == 1 and "no photo in" in bad.output and "could be read" in bad.output
    assert not (tmp_path / "e.png").exists()
    assert run("preview", folder, "-o", out, *FAST).exit_code == 1  # exists: needs --force
