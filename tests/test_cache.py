"""The on-disk cache: a second render of the same photo reuses its depth and layers."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from depthreel.cache import Cache, make_key, pack_layers, unpack_layers
from depthreel.cli import cli
from depthreel.scene import Intrinsics, Layer


def test_pack_and_unpack_layers_round_trip():
    rng = np.random.default_rng(0)
    rgb = rng.random((6, 8, 3)).astype(np.float32)
    depth = rng.uniform(1, 5, (6, 8)).astype(np.float32)
    sparse = np.full((6, 8), np.inf, np.float32)
    sparse[2, 3] = 7.0
    layers = [Layer(rgb, depth, np.full((6, 8), 0.5, np.float32)), Layer(rgb, sparse)]
    camera = Intrinsics(10.0, 4.0, 3.0, 8, 6)
    back, cam = unpack_layers(pack_layers(layers, camera))
    assert cam == camera
    np.testing.assert_allclose(back[0].rgb, rgb, atol=1e-3)
    np.testing.assert_array_equal(back[0].depth, depth)
    np.testing.assert_allclose(back[0].alpha, 0.5)
    assert np.isfinite(back[1].depth).sum() == 1 and back[1].depth[2, 3] == 7.0
    np.testing.assert_allclose(back[1].rgb[2, 3], rgb[2, 3], atol=1e-3)


def test_damaged_entries_are_ignored(tmp_path):
    cache = Cache(tmp_path)
    cache.store("depth", "k", depth=np.ones((2, 2), np.float32))
    assert cache.load("depth", "k")["depth"].shape == (2, 2)
    (tmp_path / "depth" / "k.npz").write_bytes(b"not a zip")
    assert cache.load("depth", "k") is None
    assert cache.load("depth", "missing") is None


def test_trim_removes_least_recently_used(tmp_path):
    import os
    import time

    cache = Cache(tmp_path, max_bytes=10**9)
    for name in ("a", "b", "c"):
        cache.store("depth", name, depth=np.zeros(20000, np.float32))
    old = time.time() - 100
    os.utime(tmp_path / "depth" / "a.npz", (old, old))
    cache.max_bytes = 2 * (tmp_path / "depth" / "b.npz").stat().st_size
    cache.trim()
    assert sorted(p.stem for p in (tmp_path / "depth").iterdir()) == ["b", "c"]


def test_keys_change_with_settings():
    assert make_key("depth", "x", 1) == make_key("depth", "x", 1)
    assert make_key("depth", "x", 1) != make_key("depth", "x", 2)


@pytest.mark.slow
def test_second_render_skips_estimation(photo, tmp_path, private_cache, monkeypatch):
    from depthreel.depth.classic import ClassicEstimator

    calls = []
    original = ClassicEstimator.estimate

    def counting(self, image):
        calls.append(image.shape)
        return original(self, image)

    monkeypatch.setattr(ClassicEstimator, "estimate", counting)
    args = [
        "render",
        str(photo),
        "--preset",
        "preview",
        "--duration",
        "0.5",
        "--estimator",
        "classic",
    ]
    first = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "a.mp4"), "--motion", "dolly"])
    assert first.exit_code == 0, first.output
    assert len(calls) == 1
    assert list((private_cache / "depth").glob("*.npz")) and list(
        (private_cache / "ldi").glob("*.npz")
    )
    second = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "b.mp4"), "--motion", "circle"])
    assert second.exit_code == 0, second.output
    assert len(calls) == 1, "the depth of the same photo was estimated again"
    assert "(cached)" in second.output
    third = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "c.mp4"), "--no-cache"])
    assert third.exit_code == 0 and len(calls) == 2
