"""Shared fixtures: a fresh plugin manager per test, tiny synthetic photos, a probe for videos."""

from __future__ import annotations

import re
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own empty depth/LDI cache folder."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("DEPTHREEL_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def pm():
    """A new plugin manager with only the built-ins (no third-party entry points)."""
    from depthreel.plugins import get_plugin_manager

    return get_plugin_manager(load_entrypoints=False)


@pytest.fixture
def registry(pm):
    from depthreel.registry import Registry

    return Registry.from_plugin_manager(pm)


@pytest.fixture
def make_plugin_dist(tmp_path, monkeypatch):
    """Install a throw-away plugin distribution (module + dist-info entry point) on sys.path."""

    def make(dist_name: str, module_name: str, source: str, entry_name: str | None = None) -> str:
        root = tmp_path / f"site-{dist_name}"
        root.mkdir()
        (root / f"{module_name}.py").write_text(textwrap.dedent(source))
        # importlib.metadata reads the name up to the first '-' of the folder: use '_' inside.
        info = root / f"{dist_name.replace('-', '_')}-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist_name}\nVersion: 0.1\n")
        entry = entry_name or module_name
        (info / "entry_points.txt").write_text(f"[depthreel]\n{entry} = {module_name}\n")
        monkeypatch.syspath_prepend(str(root))
        return entry

    return make


def scene_photo(path: Path, width: int = 320, height: int = 240) -> Path:
    """A small photo with a near-looking object: textured ground, sky, a bright box."""
    rng = np.random.default_rng(7)
    y = np.linspace(0, 1, height)[:, None, None]
    sky = np.array([0.55, 0.7, 0.95]) * (1 - 0.3 * y)
    ground = np.array([0.35, 0.5, 0.25]) + 0.15 * rng.random((height, width, 1))
    image = np.where(y < 0.4, sky, ground)
    image = np.broadcast_to(image, (height, width, 3)).copy()
    image[height // 3 : height * 3 // 4, width // 3 : width * 2 // 3] = [0.85, 0.3, 0.2]
    from PIL import Image

    Image.fromarray((image * 255).astype(np.uint8)).save(path)
    return path


@pytest.fixture
def photo(tmp_path) -> Path:
    return scene_photo(tmp_path / "photo.jpg")


@dataclass
class VideoInfo:
    codec: str
    pix_fmt: str
    width: int
    height: int
    fps: float
    frames: int
    has_audio: bool
    faststart: bool
    colour: str = ""  # what ffmpeg says after the pixel format, e.g. "tv, bt709, progressive"


def probe(path: Path) -> VideoInfo:
    """Read a video's stream facts with the ffmpeg that imageio-ffmpeg ships (no ffprobe)."""
    import imageio_ffmpeg

    exe = imageio_ffmpeg.get_ffmpeg_exe()
    info = subprocess.run([exe, "-hide_banner", "-i", str(path)], capture_output=True, text=True)
    line = next(x for x in info.stderr.splitlines() if "Video:" in x)
    match = re.search(r"Video: (\w+).*?, (\w+)(?:\(([^)]*)\))?, (\d+)x(\d+)", line)
    assert match, line
    fps = re.search(r"([\d.]+) fps", line)
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(path))
    head = path.read_bytes()[:4096] if path.suffix in (".mp4", ".mov") else b""
    faststart = b"moov" in head and (
        b"mdat" not in head or head.index(b"moov") < head.index(b"mdat")
    )
    return VideoInfo(
        codec=match.group(1),
        pix_fmt=match.group(2),
        width=int(match.group(4)),
        height=int(match.group(5)),
        fps=float(fps.group(1)) if fps else 0.0,
        frames=frames,
        has_audio="Audio:" in info.stderr,
        faststart=faststart,
        colour=match.group(3) or "",
    )


@pytest.fixture
def registry_factory():
    """Build a registry from a fresh manager with the built-ins, after a test set things up."""
    from depthreel.plugins import get_plugin_manager
    from depthreel.registry import Registry

    return lambda: Registry.from_plugin_manager(get_plugin_manager(load_entrypoints=False))


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path_factory, monkeypatch):
    """Keep the developer's own ~/.config/depthreel presets out of every test."""
    monkeypatch.setenv("DEPTHREEL_CONFIG_DIR", str(tmp_path_factory.getbasetemp() / "no-config"))
