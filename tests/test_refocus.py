"""`depthreel refocus`: a sharp subject, a blurred far wall, no halo; new backgrounds."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from depthreel.cli import cli

W, H = 240, 180
CENTRE, RADIUS = (120, 100), 45
NEAR, FAR = 1.0, 6.0
APERTURE = 0.04  # far blur radius: 9.6 px


def textures(seed: int = 4):
    rng = np.random.default_rng(seed)
    fine = rng.random((H, W, 1)).astype(np.float32)
    wall = 0.3 + 0.3 * cv2.resize(rng.random((4, 5, 3)), (W, H))[..., [0, 1, 2]]
    wall = wall * [0.7, 0.85, 1.0] + 0.25 * (fine - 0.5)
    subject = np.array([0.85, 0.35, 0.25]) + 0.3 * (np.roll(fine, 7, axis=1) - 0.5)
    return np.clip(wall, 0, 1).astype(np.float32), np.clip(subject, 0, 1).astype(np.float32)


def disc() -> np.ndarray:
    mask = np.zeros((H, W), np.uint8)
    cv2.circle(mask, CENTRE, RADIUS, 1, -1)
    return mask.astype(bool)


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    """The photo, its estimator-like depth map (coarse, soft, edge off by 3 px), the truth."""
    from PIL import Image

    folder = tmp_path_factory.mktemp("refocus")
    wall, subject = textures()
    mask = disc()
    photo = np.where(mask[..., None], subject, wall)
    Image.fromarray((photo * 255 + 0.5).astype(np.uint8)).save(folder / "photo.png")
    wide = cv2.dilate(mask.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(np.float32)
    soft = cv2.GaussianBlur(wide, (0, 0), 2.5)
    inverse = 1 / FAR + soft * (1 / NEAR - 1 / FAR)
    coarse = cv2.resize(inverse, (W // 3, H // 3), interpolation=cv2.INTER_AREA)
    np.save(folder / "depth.npy", 1 / coarse)  # metric: the wall at 6, the subject at 1
    return folder, photo, wall, mask


def run(folder, out, *extra):
    args = ["refocus", folder / "photo.png", "-o", out, "--depth", folder / "depth.npy"]
    args += ["--depth-kind", "metric", "--aperture", APERTURE]
    result = CliRunner().invoke(cli, [str(a) for a in [*args, "--quiet", "--force", *extra]])
    assert result.exit_code == 0, result.output
    return cv2.imread(str(out))[..., ::-1].astype(np.float32) / 255


def sharpness(image: np.ndarray, region: np.ndarray) -> float:
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_32F)[region].var())


def lens(image: np.ndarray, depth: float, focus: float) -> np.ndarray:
    from depthreel.lens import depth_of_field

    return depth_of_field(image, np.full((H, W), depth, np.float32), focus, APERTURE * W)


def halo_width(out: np.ndarray, reference: np.ndarray, mask: np.ndarray) -> int:
    """How far (px) from the subject's edge the background still differs from `reference`."""
    dist = cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, 5)
    error = np.abs(out - reference).mean(axis=2)
    width = 0
    for d in range(1, 20):
        ring = (dist > d - 1) & (dist <= d)
        if error[ring].mean() > 0.02:
            width = d
    return width


def test_subject_sharp_wall_blurred_no_halo(scene, tmp_path):
    folder, photo, wall, mask = scene
    out = run(folder, tmp_path / "out.png")
    inside = cv2.erode(mask.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    far = cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, 5) > 25
    assert sharpness(out, inside) > 0.9 * sharpness(photo, inside)
    assert sharpness(out, far) < 0.1 * sharpness(photo, far)
    # Around the subject the wall looks as the lens blurs it, not tinted by the subject.
    reference = lens(wall, FAR, NEAR)
    assert np.abs(out - reference)[far].mean() < 0.02
    assert halo_width(out, reference, mask) <= 2


def test_focus_far_blurs_the_subject_instead(scene, tmp_path):
    folder, photo, _, mask = scene
    out = run(folder, tmp_path / "far.png", "--focus", "far")
    inside = cv2.erode(mask.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    far = cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, 5) > 25
    assert sharpness(out, inside) < 0.1 * sharpness(photo, inside)
    assert sharpness(out, far) > 0.9 * sharpness(photo, far)
    number = run(folder, tmp_path / "six.png", "--focus", FAR)
    assert np.abs(number - out).mean() < 0.01  # --focus 6 is the wall's distance, as far


def test_new_background_is_blurred_as_the_old_one(scene, tmp_path):
    from PIL import Image

    folder, photo, _, mask = scene
    rng = np.random.default_rng(9)
    beach = rng.random((90, 160, 3)).astype(np.float32)  # another aspect: scaled to cover
    beach[:45] *= [0.5, 0.7, 1.0]
    Image.fromarray((beach * 255).astype(np.uint8)).save(tmp_path / "beach.png")
    out = run(folder, tmp_path / "new.png", "--background", tmp_path / "beach.png")
    inside = cv2.erode(mask.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    assert np.abs(out - photo)[inside].mean() < 0.03  # the subject, sharp, as it was
    from depthreel.refocus import cover

    reference = lens(cover(np.asarray(beach), W, H), FAR, NEAR)  # the old wall's blur
    far = cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, 5) > 25
    assert np.abs(out - reference)[far].mean() < 0.02
    assert halo_width(out, reference, mask) <= 2


def test_refocus_errors_are_one_line(scene, tmp_path):
    folder, _, _, _ = scene
    for extra, fragment in [
        (["--focus", "middle"], "--focus must be auto, near, far or a distance > 0"),
        (["--focus", "-2"], "--focus must be auto, near, far or a distance > 0"),
        (["--aperture", "0.3"], "--aperture must be an f-number (e.g. f/2.8"),
        (["--aperture", "f/0.1"], "got 'f/0.1'"),
        (["--aperture", "wide"], "got 'wide'"),
        (["--background", tmp_path / "none.jpg"], "none.jpg does not exist"),
        (["-o", tmp_path / "x.gif"], "must end in .jpg"),
    ]:
        args = ["refocus", folder / "photo.png", "--depth", folder / "depth.npy"]
        if "-o" not in extra:
            args += ["-o", tmp_path / "out.jpg"]
        result = CliRunner().invoke(cli, [str(a) for a in [*args, *extra]])
        assert result.exit_code != 0
        assert result.output.strip().splitlines()[-1].startswith("Error:")
        assert fragment in result.output, result.output
        assert not (tmp_path / "out.jpg").exists()


@pytest.mark.parametrize(
    ("text", "share"),
    [("f/2", 0.02), ("F2", 0.02), ("f/4", 0.01), ("8", 0.005), ("0.5", 0.08), ("0.03", 0.03)],
)
def test_aperture_takes_f_numbers_or_a_share(text, share):
    from depthreel.refocus import parse_aperture

    assert parse_aperture(text) == pytest.approx(share)


def test_smaller_f_number_blurs_the_background_more(scene, tmp_path):
    folder, _, _, mask = scene
    far = cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, 5) > 25
    wide = run(folder, tmp_path / "wide.jpg", "--aperture", "f/1.4")
    narrow = run(folder, tmp_path / "narrow.jpg", "--aperture", "f/8")
    assert sharpness(wide, far) < 0.5 * sharpness(narrow, far)
