"""The LaMa inpainter, tested offline on tiny TorchScript networks the tests build themselves.

The real big-lama weights (~200 MB) cannot be fetched here; these networks take the same call
(image, mask) and are saved and loaded through the same code (file, URL cache, hub cache).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from conftest import scene_photo
from torch import nn

from depthreel.cli import cli
from depthreel.inpaint import get_inpainter, lama
from depthreel.inpaint.lama import LamaInpainter, LamaUnavailable

# TorchScript is deprecated in torch, but it is the format big-lama's weights come in.
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.*:DeprecationWarning")

RED, BLUE = np.array([0.9, 0.1, 0.1]), np.array([0.1, 0.2, 0.9])


class MeanFill(nn.Module):
    """Fills the hole with the mean colour of what it may see: an exact, checkable network."""

    def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if image.shape[2] % 8 != 0 or image.shape[3] % 8 != 0:
            raise ValueError("LaMa needs sizes that are multiples of 8")
        keep = 1.0 - mask
        mean = (image * keep).sum((2, 3), keepdim=True) / keep.sum((2, 3), keepdim=True)
        return image * keep + mean * mask


class TinyLama(nn.Module):
    """Big-lama's call on a few random convolutions (an encoder and a decoder)."""

    def __init__(self) -> None:
        super().__init__()
        self.down = nn.Conv2d(4, 8, 3, stride=2, padding=1)
        self.mid = nn.Conv2d(8, 8, 3, stride=2, padding=1)
        self.up = nn.ConvTranspose2d(8, 3, 4, stride=4)

    def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = torch.cat([image * (1.0 - mask), mask], 1)
        y = torch.sigmoid(self.up(torch.relu(self.mid(torch.relu(self.down(x))))))
        return image * (1.0 - mask) + y * mask


def save(module: nn.Module, path: Path) -> Path:
    torch.manual_seed(0)
    torch.jit.script(module).save(str(path))
    return path


@pytest.fixture
def mean_model(tmp_path: Path) -> Path:
    return save(MeanFill(), tmp_path / "mean-lama.pt")


def gap_scene() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A near red left part, a far blue right part, a 12 px hole between: 40x60 (60 is no
    multiple of 8). Context: the blue side only."""
    h, w = 40, 60
    cols = np.arange(w)[None, :] * np.ones((h, 1), int)
    rgb = np.where((cols < 30)[..., None], RED, BLUE).astype(np.float32)
    depth = np.where(cols < 30, 1.0, 5.0).astype(np.float32)
    hole = (cols >= 24) & (cols < 36)
    rgb[hole], depth[hole] = 0.0, 0.0
    return rgb, depth, hole, ~hole & (cols >= 36)


def test_fill_comes_from_the_context_only_at_any_size(mean_model: Path) -> None:
    rgb, depth, hole, context = gap_scene()
    inpainter = LamaInpainter(model=str(mean_model))
    inpainter.load()
    out_rgb, out_depth = inpainter.inpaint(rgb, depth, hole, context)
    # The red side is outside the context: had the network seen it, the mean would be purple.
    assert np.abs(out_rgb[hole] - BLUE).max() < 1e-5
    assert np.array_equal(out_rgb[~hole], rgb[~hole])
    assert np.abs(out_depth[hole] - 5.0).max() < 0.05  # the far side's depth, not the red's 1.0
    assert np.array_equal(out_depth[~hole], depth[~hole])
    # Views larger than max_side are filled small and enlarged: still the context's colour.
    small = LamaInpainter(model=str(mean_model), max_side=16)
    out_small, _ = small.inpaint(rgb, depth, hole, context)
    assert np.abs(out_small[hole] - BLUE).max() < 0.02


def test_a_convolutional_network_runs_through_the_same_path(tmp_path: Path) -> None:
    path = save(TinyLama(), tmp_path / "tiny-lama.pt")
    rgb, depth, hole, context = gap_scene()
    out_rgb, _ = LamaInpainter(model=str(path)).inpaint(rgb, depth, hole, context)
    assert out_rgb.shape == rgb.shape and out_rgb.dtype == np.float32
    assert out_rgb.min() >= 0.0 and out_rgb.max() <= 1.0
    assert out_rgb[hole].std() > 0  # the network's own output, not a copy of the input
    assert np.array_equal(out_rgb[~hole], rgb[~hole])


def test_weights_from_the_environment(mean_model: Path, monkeypatch, registry) -> None:
    monkeypatch.setenv(lama.MODEL_ENV, str(mean_model))
    inpainter = get_inpainter(registry, "lama")
    assert isinstance(inpainter, LamaInpainter) and inpainter.options["model"] == str(mean_model)


@pytest.mark.parametrize(
    ("model", "fragment"),
    [("missing.pt", "do not exist"), ("not-a-model.pt", "is no TorchScript LaMa model")],
)
def test_bad_weights_are_one_line_errors(tmp_path: Path, monkeypatch, model, fragment) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "not-a-model.pt").write_text("hello")
    rgb, depth, hole, context = gap_scene()
    with pytest.raises(LamaUnavailable, match=fragment) as info:
        LamaInpainter(model=f"./{model}").inpaint(rgb, depth, hole, context)
    assert "\n" not in str(info.value)


@pytest.fixture
def hub_dir(tmp_path: Path, monkeypatch) -> Path:
    """torch's hub cache in a temporary folder."""
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "torch-hub"))
    return tmp_path / "torch-hub" / "checkpoints"


def test_url_weights_are_downloaded_once(hub_dir: Path, mean_model: Path, monkeypatch) -> None:
    url = "https://example.org/models/tiny-lama.pt"
    calls = []

    def download(src: str, dst: str, progress: bool = True) -> None:
        calls.append(src)
        Path(dst).write_bytes(mean_model.read_bytes())

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(lama, "probe_url", lambda u, timeout=3.0: 200)
    monkeypatch.setattr(torch.hub, "download_url_to_file", download)
    assert lama.weights_file(url) == hub_dir / "tiny-lama.pt"
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the second time needs no network
    assert lama.weights_file(url) == hub_dir / "tiny-lama.pt"
    assert calls == [url] and [p.name for p in hub_dir.iterdir()] == ["tiny-lama.pt"]


def test_a_corrupt_default_download_is_not_kept(hub_dir: Path, monkeypatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(lama, "probe_url", lambda u, timeout=3.0: 200)
    monkeypatch.setattr(
        torch.hub, "download_url_to_file", lambda s, d, progress=True: Path(d).write_text("x")
    )
    with pytest.raises(LamaUnavailable, match="MD5 mismatch"):
        lama.weights_file(lama.DEFAULT_URL)
    assert not any(hub_dir.iterdir())


def test_no_network_no_weights(hub_dir: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(LamaUnavailable, match="HF_HUB_OFFLINE is set") as info:
        LamaInpainter().load()  # the default URL
    assert f"set {lama.MODEL_ENV}" in str(info.value) and "\n" not in str(info.value)
    monkeypatch.delenv("HF_HUB_OFFLINE")
    with pytest.raises(LamaUnavailable, match="cannot be reached"):
        lama.weights_file("http://127.0.0.1:9/big-lama.pt")  # nothing listens there
    # A hub file that is not in the (empty) hub cache, offline.
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(LamaUnavailable, match="not in the local cache"):
        lama.weights_file("depthreel-tests/no-such-repo/lama.pt")


def test_hub_weights(mean_model: Path, monkeypatch) -> None:
    import huggingface_hub

    asked = []

    def download(repo_id: str, filename: str, local_files_only: bool = False) -> str:
        asked.append((repo_id, filename, local_files_only))
        return str(mean_model)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", download)
    assert lama.weights_file("someone/big-lama/lama.pt") == mean_model
    assert asked == [("someone/big-lama", "lama.pt", True)]  # from the cache first


def test_still_with_lama(tmp_path: Path, mean_model: Path) -> None:
    photo = scene_photo(tmp_path / "photo.png")
    out = tmp_path / "moved.png"
    args = ["still", str(photo), "--offset-x", "0.05", "--inpainter", "lama", "-o", str(out)]
    env = {lama.MODEL_ENV: str(mean_model)}
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    assert out.is_file()
    missing = tmp_path / "moved2.png"
    args[-1] = str(missing)
    result = CliRunner().invoke(cli, args, env={lama.MODEL_ENV: str(tmp_path / "none.pt")})
    assert result.exit_code == 1 and not missing.exists()
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("Error: LaMa weights") and "do not exist" in lines[-1]


def test_batch_stops_before_any_photo_without_weights(hub_dir: Path, tmp_path: Path, monkeypatch):
    album = tmp_path / "album"
    album.mkdir()
    scene_photo(album / "a.png")
    out = tmp_path / "out"
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    args = ["batch", str(album), "-o", str(out), "--inpainter", "lama", "--preset", "preview"]
    result = CliRunner().invoke(cli, [*args, "--estimator", "classic", "--quiet"])
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: LaMa weights big-lama.pt are not downloaded and HF_HUB_OFFLINE is set ("
    )
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists() or not any(out.rglob("*.mp4"))
