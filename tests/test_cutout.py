"""`depthreel cutout` and the segmenter hook: a synthetic subject whose true outline is known."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from depthreel.cli import cli
from depthreel.registry import Registry

W, H = 320, 240
SS = 4  # supersampling of the true outline (anti-aliased edges, like a camera's)


def person(scale: int) -> np.ndarray:
    """Coverage of a head-and-shoulders shape on a grid `scale` times finer than the photo."""
    mask = np.zeros((H * scale, W * scale), np.uint8)
    s = scale
    cv2.circle(mask, (160 * s, 80 * s), 38 * s, 1, -1)
    cv2.ellipse(mask, (160 * s, 240 * s), (95 * s, 110 * s), 0, 180, 360, 1, -1)
    cv2.rectangle(mask, (140 * s, 110 * s), (180 * s, 140 * s), 1, -1)
    return mask


def make_scene(folder):
    """A warm textured subject over a cool textured wall, and a depth map like an estimator's:
    low resolution, the subject's edge blurred and 4 px too wide."""
    from PIL import Image

    rng = np.random.default_rng(11)
    coverage = cv2.resize(person(SS).astype(np.float32), (W, H), interpolation=cv2.INTER_AREA)
    wall = 0.35 + 0.25 * cv2.resize(rng.random((12, 16, 3)), (W, H))[..., [2, 1, 0]]
    skin = np.array([0.85, 0.55, 0.35]) + 0.1 * cv2.resize(rng.random((24, 32, 3)), (W, H))
    a = coverage[..., None]
    rgb = np.clip(a * skin + (1 - a) * wall, 0, 1)
    Image.fromarray((rgb * 255 + 0.5).astype(np.uint8)).save(folder / "photo.png")
    wide = cv2.dilate((coverage > 0.5).astype(np.uint8), np.ones((9, 9), np.uint8))
    inverse = 0.2 + 0.8 * cv2.GaussianBlur(wide.astype(np.float32), (0, 0), 3)
    small = cv2.resize(inverse, (W // 4, H // 4), interpolation=cv2.INTER_AREA)
    np.save(folder / "depth.npy", small)
    return coverage


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cutout")
    return folder, make_scene(folder)


def cut(folder, *extra):
    args = ["cutout", folder / "photo.png", "--depth", folder / "depth.npy", "--quiet", *extra]
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_mask_matches_the_subject_better_than_the_depth(scene):
    from depthreel.segment import subject_hint
    from depthreel.still import full_depth

    folder, coverage = scene
    out = folder / "mask.png"
    result = cut(folder, "--mask", "-o", out)
    assert result.exit_code == 0, result.output
    mask = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert mask.dtype == np.uint8 and mask.shape == (H, W)
    truth = coverage >= 0.5
    assert iou(mask >= 128, truth) >= 0.95

    # The depth alone (its edges soft and misplaced) is clearly worse.
    from depthreel.photo import load_photo
    from depthreel.plugins import get_plugin_manager
    from depthreel.still import photo_camera

    registry = Registry.from_plugin_manager(get_plugin_manager(load_entrypoints=False))
    photo = load_photo(folder / "photo.png")
    depth, _ = full_depth(
        photo, registry, print, photo_camera(photo), None, folder / "depth.npy", "inverse"
    )
    assert iou(subject_hint(depth), truth) < 0.92

    # Soft where the photo's edge is soft: alpha follows the true coverage along the outline.
    alpha = mask / 255.0
    edge = (coverage > 0.05) & (coverage < 0.95)
    assert np.mean(np.abs(alpha[edge] - coverage[edge])) < 0.08
    assert np.mean((alpha[edge] > 0.05) & (alpha[edge] < 0.95)) > 0.8


def test_rgba_cutout_is_clean_on_a_new_background(scene):
    folder, coverage = scene
    out = folder / "subject.png"
    result = cut(folder, "-o", out)
    assert result.exit_code == 0, result.output
    rgba = cv2.cvtColor(cv2.imread(str(out), cv2.IMREAD_UNCHANGED), cv2.COLOR_BGRA2RGBA)
    assert rgba.shape == (H, W, 4)
    alpha = rgba[..., 3] / 255.0
    assert np.mean(alpha[coverage == 0] < 0.5) > 0.999 and np.all(alpha[coverage == 1] > 0.5)
    # No cool wall colour left in the subject's edge: blue stays below red there.
    edge = (alpha > 0.2) & (alpha < 0.8)
    colour = rgba[..., :3][edge].astype(float)
    assert np.mean(colour[:, 0] > colour[:, 2]) > 0.95


def test_cutout_errors_are_one_line(scene, tmp_path):
    folder, _ = scene
    result = cut(folder, "-o", tmp_path / "subject.jpg")
    assert result.exit_code == 1 and "must end in .png, .webp" in result.output
    result = cut(folder, "-o", tmp_path / "s.png", "--segmenter", "dept")
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: unknown segmenter 'dept' (did you mean 'depth'?); available: depth"
    )
    np.save(tmp_path / "flat.npy", np.ones((H, W), np.float32))
    flat = [
        "cutout",
        folder / "photo.png",
        "--depth",
        tmp_path / "flat.npy",
        "-o",
        tmp_path / "f.png",
    ]
    result = CliRunner().invoke(cli, [str(a) for a in flat])
    assert result.exit_code == 1 and "no subject stands out" in result.output
    assert not (tmp_path / "f.png").exists()


SEGMENTER_PLUGIN = """
import numpy as np
from depthreel import hookimpl
from depthreel.segment import Segmenter

class Box(Segmenter):
    name = "box"
    description = "the hint's bounding box (a stand-in for a learned model)"
    priority = 10

    def segment(self, rgb, depth, hint):
        ys, xs = np.nonzero(hint)
        alpha = np.zeros(hint.shape, np.float32)
        alpha[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1] = 1.0
        return alpha

@hookimpl
def register_segmenters(register):
    register(Box)
"""


def test_register_segmenters_plugin_is_preferred(scene, tmp_path, make_plugin_dist, monkeypatch):
    folder, _ = scene
    monkeypatch.delenv("DEPTHREEL_PLUGINS", raising=False)
    make_plugin_dist("depthreel-box", "depthreel_box", SEGMENTER_PLUGIN)
    listing = CliRunner().invoke(cli, ["list", "segmenters"])
    assert "box" in listing.output and "depth" in listing.output
    out = tmp_path / "mask.png"
    result = cut(folder, "--mask", "-o", out)  # no --segmenter: the plugin's priority wins
    assert result.exit_code == 0, result.output
    mask = cv2.imread(str(out), cv2.IMREAD_UNCHANGED) >= 128
    ys, xs = np.nonzero(mask)
    assert mask.sum() == (np.ptp(ys) + 1) * (np.ptp(xs) + 1)  # a filled box
    result = cut(folder, "--mask", "-o", out, "--force", "--segmenter", "depth")
    assert result.exit_code == 0
    assert (cv2.imread(str(out), cv2.IMREAD_UNCHANGED) >= 128).sum() < mask.sum()
