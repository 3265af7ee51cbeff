"""The command line end to end: clips that play, depth maps, listings, and one-line errors."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import probe

from depthreel import __version__
from depthreel.cli import cli

FAST = ["--estimator", "classic", "--quiet"]


def run(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def one_line_error(result, *fragments):
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in result.output


def test_version_and_help():
    assert run("--version").output.strip() == f"depthreel, version {__version__}"
    for command in ([], ["render"], ["depth"], ["list"], ["plugins"]):
        result = run(*command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output


@pytest.mark.slow
def test_render_reels_preset_plays_on_a_phone(photo, tmp_path):
    out = tmp_path / "clip.mp4"
    result = run("render", photo, "-o", out, "--duration", "0.5", *FAST)
    assert result.exit_code == 0, result.output
    info = probe(out)
    assert (info.codec, info.pix_fmt, info.width, info.height) == ("h264", "yuv420p", 1080, 1920)
    assert info.fps == 30 and info.frames == 15 and info.faststart
    assert info.colour.startswith("tv, bt709,")  # the matrix its pixels were made with
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "photo.jpg"]


def test_render_preview_preset_with_summary(photo, tmp_path):
    out = tmp_path / "clip.mp4"
    result = run(
        "render",
        photo,
        "-o",
        out,
        "--preset",
        "preview",
        "--duration",
        "1",
        "--estimator",
        "classic",
    )
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "depth from estimator classic" in result.output
    info = probe(out)
    assert (info.width, info.height, info.fps, info.frames) == (360, 640, 24, 24)


def test_near_things_move_against_far_things(tmp_path):
    """A near box over a far textured wall, given as a depth map, camera gliding to the right.

    The camera keeps the subject (the box) still on screen, so the far wall slides right
    behind it: the box moves left relative to the wall, as near things do when you step right.
    """
    from PIL import Image

    rng = np.random.default_rng(3)
    h, w = 640, 360
    wall = (rng.random((h // 8, w // 8, 3)) * 255).astype(np.uint8)
    image = np.asarray(Image.fromarray(wall).resize((w, h), Image.NEAREST)).copy()
    inverse = np.full((h, w), 0.1, np.float32)
    image[260:380, 130:230] = [255, 40, 40]
    image[260:380, 130:230:12] = [255, 160, 40]  # stripes to track the box by
    inverse[260:380, 130:230] = 1.0
    Image.fromarray(image).save(tmp_path / "scene.png")
    np.save(tmp_path / "scene-depth.npy", inverse)
    out = tmp_path / "clip.mp4"
    result = run(
        "render",
        tmp_path / "scene.png",
        "-o",
        out,
        "--preset",
        "preview",
        "--duration",
        "1",
        "--motion",
        "horizontal:intensity=2",
        "--depth",
        tmp_path / "scene-depth.npy",
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(out))
    meta = next(reader)
    frames = [
        np.frombuffer(f, np.uint8).reshape(meta["size"][1], meta["size"][0], 3) for f in reader
    ]
    first, last = frames[0].astype(float), frames[-1].astype(float)

    def profile_shift(a, b, rows, cols, reach=6.0):
        """Horizontal shift of b against a from their column profiles, by least squares."""
        pa, pb = a[rows, cols].mean(axis=(0, 2)), b[rows, cols].mean(axis=(0, 2))
        x = np.arange(pa.size, dtype=float)
        inner = slice(int(reach) + 1, pa.size - int(reach) - 1)
        shifts = np.arange(-reach, reach + 1e-9, 0.1)
        errors = [np.mean((np.interp(x + s, x, pb)[inner] - pa[inner]) ** 2) for s in shifts]
        return float(shifts[int(np.argmin(errors))])

    def shift(a, b, rows, cols):
        import cv2

        patch_a = a[rows, cols].mean(axis=2).astype(np.float32)
        patch_b = b[rows, cols].mean(axis=2).astype(np.float32)
        (dx, _), _ = cv2.phaseCorrelate(patch_a, patch_b)
        return dx

    import cv2

    red = ((first[..., 0] > 200) & (first[..., 1] < 110) & (first[..., 2] < 90)).astype(np.uint8)
    # Bridge the box's thin orange stripes (rendered sharp, they would split it in bands).
    red = cv2.morphologyEx(red, cv2.MORPH_CLOSE, np.ones((1, 5), np.uint8))
    _, _, stats, _ = cv2.connectedComponentsWithStats(red, connectivity=4)
    box_label = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))  # the box, not red wall cells
    x, y, bw, bh = stats[box_label, :4]
    assert bw > 80 and bh > 100, stats[box_label]
    right = x + bw  # the right side of the box is hole-free at t=0
    box_window = (slice(y + 20, y + bh - 20), slice(right - 60, right - 10))
    box = profile_shift(first, last, *box_window)
    wall = shift(first, last, slice(20, 200), slice(0, 360))
    assert abs(box) < 2, box  # the subject stays put
    assert box - wall < -8, (box, wall)  # near moves left relative to far


def test_depth_writes_16bit_png_and_preview(photo, tmp_path):
    import cv2

    out = tmp_path / "d.png"
    result = run("depth", photo, "-o", out, "--estimator", "classic")
    assert result.exit_code == 0, result.output
    depth = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert depth.dtype == np.uint16 and depth.shape == (240, 320)
    assert depth.max() == 65535 and depth.min() == 0
    preview = cv2.imread(str(tmp_path / "d-preview.png"))
    assert preview.shape == (240, 320, 3)
    assert "depth from estimator classic" in result.output


def test_missing_model_falls_back_with_one_notice(photo, tmp_path):
    env = {"HF_HUB_OFFLINE": "1", "DEPTHREEL_DEPTH_MODEL": str(tmp_path / "no-model-here")}
    result = CliRunner().invoke(cli, ["depth", str(photo), "-o", str(tmp_path / "d.png")], env=env)
    assert result.exit_code == 0, result.output
    notices = [line for line in result.output.splitlines() if line.startswith("notice:")]
    assert len(notices) == 1 and "classic" in notices[0]
    assert "depth from estimator classic" in result.output


def write(path, data):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("setup", "fragments"),
    [
        (lambda d: d / "missing.jpg", ["missing.jpg", "does not exist"]),
        (lambda d: d, ["is a folder"]),
        (lambda d: write(d / "empty.jpg", b""), ["empty"]),
        (lambda d: write(d / "notes.jpg", b"hello, not a photo"), ["not an image"]),
    ],
)
def test_bad_photo_is_a_one_line_error(tmp_path, setup, fragments):
    source = setup(tmp_path)
    out = tmp_path / "clip.mp4"
    one_line_error(run("render", source, "-o", out, *FAST), *fragments)
    assert not out.exists()


def test_depth_map_of_another_aspect_ratio_is_rejected(photo, tmp_path):
    np.save(tmp_path / "square.npy", np.ones((100, 100), np.float32))
    out = tmp_path / "clip.mp4"
    one_line_error(
        run("render", photo, "-o", out, "--depth", tmp_path / "square.npy", "--quiet"), "aspect"
    )
    assert not out.exists()


def test_existing_output_needs_force(photo, tmp_path):
    out = tmp_path / "clip.mp4"
    out.write_bytes(b"precious")
    one_line_error(run("render", photo, "-o", out, *FAST), "already exists", "--force")
    assert out.read_bytes() == b"precious"


def test_unknown_names_suggest_alternatives(photo, tmp_path):
    one_line_error(
        run("render", photo, "-o", tmp_path / "c.mp4", "--motion", "dolyl", *FAST),
        "did you mean 'dolly'",
    )
    one_line_error(
        run("render", photo, "-o", tmp_path / "c.mp4", "--preset", "reel", *FAST),
        "did you mean 'reels'",
    )
    one_line_error(
        run("render", photo, "-o", tmp_path / "c.mp4", "--estimator", "clasic", "--quiet"),
        "did you mean 'classic'",
    )


def test_output_folder_must_exist(photo, tmp_path):
    one_line_error(run("render", photo, "-o", tmp_path / "nope" / "c.mp4", *FAST), "does not exist")


def test_list_commands():
    for what, expected in [
        ("motions", "dolly"),
        ("presets", "reels"),
        ("estimators", "classic"),
        ("effects", "vignette"),
    ]:
        result = run("list", what)
        assert result.exit_code == 0 and expected in result.output
    bad = run("list", "colours")
    assert bad.exit_code == 2 and "Invalid value" in bad.output
