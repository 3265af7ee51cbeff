"""Depth Anything through transformers, tested offline with a tiny randomly initialised model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from depthreel.depth import depth_anything as da
from depthreel.depth.base import EstimatorUnavailable
from depthreel.depth.depth_anything import DepthAnythingEstimator
from depthreel.hub import probe_hub


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Depth Anything model with a 4-layer, 32-wide DINOv2 backbone and its processor."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from transformers.models.dpt.image_processing_pil_dpt import DPTImageProcessorPil

    torch.manual_seed(0)
    backbone = transformers.Dinov2Config(
        hidden_size=32,
        num_hidden_layers=4,
        num_attention_heads=2,
        intermediate_size=64,
        image_size=56,
        patch_size=14,
        out_indices=[1, 2, 3, 4],
        reshape_hidden_states=False,
    )
    config = transformers.DepthAnythingConfig(
        backbone_config=backbone,
        reassemble_hidden_size=32,
        neck_hidden_sizes=[8, 16, 32, 32],
        fusion_hidden_size=16,
        head_hidden_size=8,
        patch_size=14,
    )
    model = transformers.DepthAnythingForDepthEstimation(config)
    with torch.no_grad():  # a positive bias so the (ReLU) output is not all zeros
        model.head.conv3.bias.fill_(0.5)
    path = tmp_path_factory.mktemp("tiny-depth-anything")
    model.save_pretrained(path)
    DPTImageProcessorPil(
        size={"height": 56, "width": 56},
        keep_aspect_ratio=True,
        ensure_multiple_of=14,
        resample=3,
        image_mean=[0.485, 0.456, 0.406],
        image_std=[0.229, 0.224, 0.225],
    ).save_pretrained(path)
    return path


@pytest.mark.parametrize("shape", [(90, 160, 3), (200, 113, 3)])
@pytest.mark.parametrize("refine", [True, False])
def test_estimate_with_tiny_model(
    tiny_model: Path, shape: tuple[int, int, int], refine: bool
) -> None:
    image = np.random.default_rng(0).random(shape).astype(np.float32)
    est = DepthAnythingEstimator(model=str(tiny_model), refine=refine)
    est.load()
    inv = est.estimate(image)
    assert inv.shape == shape[:2] and inv.dtype == np.float32
    assert np.isfinite(inv).all() and inv.min() >= 0.0 and inv.max() > 0.0
    np.testing.assert_array_equal(inv, est.estimate(image))  # deterministic


def test_model_from_env_and_cached(tiny_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPTHREEL_DEPTH_MODEL", str(tiny_model))
    est = DepthAnythingEstimator()
    assert est.model == str(tiny_model) and str(tiny_model) in est.cache_key()
    assert da.load_model(est.model) is da.load_model(str(tiny_model))  # loaded once
    assert DepthAnythingEstimator(model="a/b").model == "a/b"  # the option wins


def test_offline_missing_model_fails_with_advice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    est = DepthAnythingEstimator(model="depthreel-tests/no-such-model")
    with pytest.raises(EstimatorUnavailable) as info:
        est.load()
    message = str(info.value)
    assert "HF_HUB_OFFLINE" in message and "\n" not in message
    assert "run once with network access" in message and "DEPTHREEL_DEPTH_MODEL=" in message


def test_unreachable_hub_fails_without_retrying(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    assert probe_hub(None, timeout=1.0) is None  # nothing answers
    with pytest.raises(EstimatorUnavailable, match="cannot be reached"):
        DepthAnythingEstimator(model="depthreel-tests/no-such-model").load()


def test_bad_local_directories(tmp_path: Path) -> None:
    with pytest.raises(EstimatorUnavailable, match="does not exist"):
        DepthAnythingEstimator(model=str(tmp_path / "nope")).load()
    with pytest.raises(EstimatorUnavailable, match=r"no config\.json"):
        DepthAnythingEstimator(model=str(tmp_path)).load()
    (tmp_path / "config.json").write_text('{"model_type": "not-a-model"}')
    with pytest.raises(EstimatorUnavailable, match="cannot load depth model"):
        DepthAnythingEstimator(model=str(tmp_path)).load()


def test_import_does_not_load_torch() -> None:
    code = (
        "import sys, depthreel.depth.depth_anything, depthreel.depth.select;"
        "sys.exit(int('torch' in sys.modules or 'transformers' in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_missing_hub_model_is_reported_without_download(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(da, "probe_hub", lambda model_id=None, timeout=0: 404)
    with pytest.raises(
        EstimatorUnavailable, match=r"no model depthreel-tests/x on .*check the model id"
    ):
        DepthAnythingEstimator(model="depthreel-tests/x").load()
