"""The weight-free classic estimator on synthetic scenes and real photos (scikit-image data)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from depthreel.depth.classic import ClassicEstimator, sky_mask

skimage_data = pytest.importorskip("skimage.data")


def _photo(name: str) -> np.ndarray:
    return np.asarray(getattr(skimage_data, name)(), dtype=np.float32) / 255.0


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra = np.argsort(np.argsort(a)).astype(np.float64)
    rb = np.argsort(np.argsort(b)).astype(np.float64)
    return float(np.corrcoef(ra, rb)[0, 1])


def _scene(h: int = 360, w: int = 480) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A sky band over a blurred textured background with a sharp textured square in front."""
    rng = np.random.default_rng(0)
    blocks = rng.random((h // 8, w // 8, 3)).astype(np.float32) * 0.6 + 0.2
    image = cv2.GaussianBlur(cv2.resize(blocks, (w, h), interpolation=cv2.INTER_NEAREST), (0, 0), 5)
    sky = np.zeros((h, w), bool)
    sky[: h // 4] = True
    t = np.linspace(0.0, 1.0, h // 4, dtype=np.float32)[:, None]
    image[: h // 4] = np.stack([0.45 + 0.2 * t, 0.65 + 0.15 * t, 0.95 + 0 * t], -1)
    square = np.zeros((h, w), bool)
    square[h // 2 - 40 : h // 2 + 104, w // 2 - 72 : w // 2 + 72] = True
    texture = rng.random((24, 24, 3)).astype(np.float32)
    image[square] = cv2.resize(texture, (144, 144), interpolation=cv2.INTER_NEAREST).reshape(-1, 3)
    return image, square, sky


@pytest.fixture(scope="module")
def estimator() -> ClassicEstimator:
    return ClassicEstimator()


def test_synthetic_scene_order(estimator: ClassicEstimator) -> None:
    image, square, sky = _scene()
    inv = estimator.estimate(image)
    background = ~square & ~sky
    same_rows = background.copy()
    same_rows[~square.any(axis=1)] = False
    assert inv[square].mean() > inv[same_rows].mean() + 0.15
    assert inv[square].mean() > inv[background].mean()
    assert inv[sky].mean() < 0.2 * inv[background].mean()
    assert np.percentile(inv[sky], 95) < inv[background].min() + 1e-6


def test_output_contract_and_determinism(estimator: ClassicEstimator) -> None:
    image = cv2.resize(_photo("astronaut"), (700, 1240))  # portrait, above working size
    inv = estimator.estimate(image)
    assert inv.shape == (1240, 700) and inv.dtype == np.float32
    assert np.isfinite(inv).all() and inv.min() >= 0.0
    np.testing.assert_array_equal(inv, ClassicEstimator().estimate(image))
    tiny = estimator.estimate(np.full((7, 5, 3), 0.5, np.float32))  # flat, tiny input
    assert tiny.shape == (7, 5) and np.isfinite(tiny).all() and tiny.min() >= 0.0


def test_rocket_sky_is_farther_than_ground(estimator: ClassicEstimator) -> None:
    image = _photo("rocket")
    inv = estimator.estimate(image)
    h, w = inv.shape
    sky = sky_mask(image)
    assert sky[: h // 5, w // 4 + 60 : w // 2 - 30].mean() > 0.9  # open sky found
    assert sky[-h // 8 :, w // 4 : 3 * w // 4].mean() < 0.05  # the launch pad is no sky
    assert inv[: h // 4, w // 4 + 60 : w // 2 - 30].mean() < 0.2 * inv[-40:].mean()


def test_subject_nearer_than_background(estimator: ClassicEstimator) -> None:
    coffee = estimator.estimate(_photo("coffee"))
    assert coffee[150:300, 150:450].mean() > 2.0 * coffee[:60, :60].mean()  # cup vs corner
    cat = estimator.estimate(_photo("chelsea"))  # sharp face, defocused background right
    assert cat[100:200, 150:300].mean() > 1.3 * cat[60:200, -50:].mean()
    astro = estimator.estimate(_photo("astronaut"))
    assert astro[300:500, 100:350].mean() > 2.0 * astro[:120, 250:330].mean()


def test_motorcycle_rank_correlation(estimator: ClassicEstimator) -> None:
    left, _, disparity = skimage_data.stereo_motorcycle()
    inv = estimator.estimate(np.asarray(left, np.float32) / 255.0)
    known = np.isfinite(disparity)
    rho = _spearman(inv[known][::7], disparity[known][::7])
    print(f"Spearman rank correlation with Middlebury disparity: {rho:.3f}")
    assert rho > 0.5
