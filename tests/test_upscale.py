"""Upscalers: the built-in Lanczos (sizes, no ringing), tiling for learned models, the hook."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from depthreel.cli import cli
from depthreel.upscale import LanczosUpscaler, Upscaler, tiled


def step_image(h: int = 24, w: int = 32, low: float = 0.2, high: float = 0.8) -> np.ndarray:
    image = np.full((h, w, 3), low, np.float32)
    image[:, w // 2 :] = high
    return image


@pytest.mark.parametrize("size", [(96, 72), (100, 50), (33, 24), (16, 12)])
def test_lanczos_gives_the_exact_size(size):
    rng = np.random.default_rng(0)
    out = LanczosUpscaler().upscale(rng.random((24, 32, 3)).astype(np.float32), size)
    assert out.shape == (size[1], size[0], 3) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0


def rise(row: np.ndarray, low: float, high: float) -> int:
    """Pixels the edge takes to climb from 10 % to 90 % of the step."""
    level = (row - low) / (high - low)
    return int(np.argmax(level >= 0.9) - np.argmax(level >= 0.1))


def test_step_edge_has_no_ringing_and_stays_sharp():
    low, high = 0.2, 0.8
    image = step_image(low=low, high=high)
    for factor in (2, 3, 4.5):
        size = (round(32 * factor), round(24 * factor))
        out = LanczosUpscaler().upscale(image, size)
        overshoot = max(out.max() - high, low - out.min()) / (high - low)
        assert overshoot <= 0.02, factor
        row = out[size[1] // 2, :, 0]
        cubic = cv2.resize(image, size, interpolation=cv2.INTER_CUBIC)[size[1] // 2, :, 0]
        cubic_overshoot = max(cubic.max() - high, low - cubic.min()) / (high - low)
        assert cubic_overshoot > 0.05  # what plain interpolation does on the same edge
        assert rise(row, low, high) <= rise(cubic, low, high)


def test_sharpening_is_optional_and_checked():
    image = step_image()
    plain = LanczosUpscaler(sharpen=0).upscale(image, (64, 48))
    sharp = LanczosUpscaler(sharpen=1.0).upscale(image, (64, 48))
    steepest = [np.abs(np.diff(image[24, :, 0])).max() for image in (plain, sharp)]
    assert steepest[1] > steepest[0] + 0.05
    from depthreel.errors import DepthreelError

    with pytest.raises(DepthreelError, match="sharpen must be in"):
        LanczosUpscaler(sharpen=-1).upscale(image, (64, 48))


class Doubler(Upscaler):
    """A stand-in for a learned x2 model: pixel repetition, counting the tiles it is given."""

    name = "doubler"
    factors = (2,)
    tile = 16
    overlap = 4

    def __init__(self, **options):
        super().__init__(**options)
        self.shapes: list[tuple[int, int]] = []

    def enlarge(self, rgb, factor):
        self.shapes.append(rgb.shape[:2])
        return np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1)


def test_learned_models_run_tile_by_tile_to_the_exact_size():
    rng = np.random.default_rng(1)
    image = rng.random((30, 40, 3)).astype(np.float32)
    model = Doubler()
    out = model.upscale(image, (150, 110))  # x3.75: two x2 passes, then area-resampled down
    assert out.shape == (110, 150, 3)
    assert max(max(s) for s in model.shapes) <= Doubler.tile + 2 * Doubler.overlap
    assert len(model.shapes) > 4  # both passes were tiled
    # Tiles are stitched without seams: the same as enlarging the whole image at once.
    whole = np.repeat(np.repeat(image, 2, axis=0), 2, axis=1)
    assert np.array_equal(tiled(model.enlarge, image, 2, 16, 4), whole)


UPSCALER_PLUGIN = """
import os
import numpy as np
from depthreel import hookimpl
from depthreel.upscale import Upscaler

class Nearest(Upscaler):
    name = "nearest-x4"
    description = "pixel repetition (a stand-in for a learned x4 model)"
    factors = (4,)

    def enlarge(self, rgb, factor):
        with open(os.environ["UPSCALER_LOG"], "a") as log:
            log.write(f"{rgb.shape[1]}x{rgb.shape[0]}\\n")
        return np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1)

@hookimpl
def register_upscalers(register):
    register(Nearest)
"""


def test_register_upscalers_plugin_enlarges_a_small_photo(make_plugin_dist, monkeypatch, tmp_path):
    from conftest import probe, scene_photo

    monkeypatch.delenv("DEPTHREEL_PLUGINS", raising=False)
    make_plugin_dist("depthreel-nearest", "depthreel_nearest", UPSCALER_PLUGIN)
    log = tmp_path / "calls.txt"
    monkeypatch.setenv("UPSCALER_LOG", str(log))
    listing = CliRunner().invoke(cli, ["list", "upscalers"])
    assert "nearest-x4" in listing.output and "lanczos" in listing.output
    photo = scene_photo(tmp_path / "small.jpg", width=96, height=72)  # preview is 360x640
    out = tmp_path / "clip.mp4"
    args = ["render", photo, "-o", out, "--preset", "preview", "--duration", "0.25"]
    args += ["--estimator", "classic", "--quiet", "--upscaler", "nearest-x4"]
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    assert log.read_text().strip()  # the crop went through the plugin
    assert (probe(out).width, probe(out).height) == (360, 640)
    bad = CliRunner().invoke(cli, [str(a) for a in [*args[:-2], "--upscaler", "lanczoz", "-f"]])
    assert bad.exit_code == 1
    assert "unknown upscaler 'lanczoz' (did you mean 'lanczos'?)" in bad.output


def test_crop_to_work_enlarges_through_the_upscaler():
    from depthreel.framing import Framing
    from depthreel.pipeline import crop_to_work
    from depthreel.scene import Intrinsics

    framing = Framing(
        crop=(0.0, 0.0, 32.0, 24.0),
        src=Intrinsics.centered(96, 72, 100.0),
        out=Intrinsics.centered(96, 72, 100.0),
        scale=3.0,
    )
    image = step_image()
    out = crop_to_work(image, framing, (32, 24), upscaler=LanczosUpscaler())
    assert out.shape == (72, 96, 3)
    assert out.max() <= 0.8 + 1e-6  # the upscaler's, not cubic's overshoot
    assert crop_to_work(image, framing, (32, 24)).max() > 0.82
