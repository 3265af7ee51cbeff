"""The first-run notice: one line before the renderer compiles, none when cached or quiet."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import scene_photo

from depthreel import progress
from depthreel.cli import cli
from depthreel.render import compiled

NOTICE = "compiling the renderer for this machine (once"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def terminal(monkeypatch):
    """As on an interactive terminal (the notice, like progress bars, needs one)."""
    monkeypatch.setattr(progress, "shows_progress", lambda quiet: not quiet)


@pytest.fixture
def cold(monkeypatch):
    monkeypatch.setattr(compiled, "renderer_compiled", lambda: False)


def test_first_render_says_it_compiles_once(terminal, cold, photo, tmp_path):
    result = run("still", photo, "-o", tmp_path / "view.png", "--estimator", "classic")
    assert result.exit_code == 0, result.output
    assert result.stderr.count(NOTICE) == 1
    assert result.stderr.strip().startswith(NOTICE)  # before the work, not after it


@pytest.mark.parametrize("case", ["quiet", "cached", "piped"])
def test_no_notice_when_quiet_cached_or_piped(case, monkeypatch, photo, tmp_path):
    if case != "piped":  # piped: CliRunner's stderr is no terminal, as under a pipe
        monkeypatch.setattr(progress, "shows_progress", lambda quiet: not quiet)
    monkeypatch.setattr(compiled, "renderer_compiled", lambda: case == "cached")
    extra = ["--quiet"] if case == "quiet" else []
    result = run("still", photo, "-o", tmp_path / "v.png", "--estimator", "classic", *extra)
    assert result.exit_code == 0, result.output
    assert NOTICE not in result.output


def test_a_missing_photo_gets_only_its_error(terminal, cold, tmp_path):
    result = run("render", tmp_path / "nope.jpg", "-o", tmp_path / "clip.mp4")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "nope.jpg" in lines[0]


def test_renderer_compiled_reads_numba_cache(monkeypatch):
    from depthreel.render.renderer import render_view
    from depthreel.render.splat import scatter
    from depthreel.scene import CameraPose, Intrinsics, Layer

    cam = Intrinsics.centered(16, 12, 20.0)
    layer = Layer(np.full((12, 16, 3), 0.5, np.float32), np.full((12, 16), 2.0, np.float32))
    render_view([layer], cam, CameraPose(x=0.01), cam)  # compiled (or loaded) and cached
    assert compiled.renderer_compiled()

    class Index:
        def __init__(self, entries):
            self.entries = entries

        def _load_index(self):
            if self.entries is None:
                raise OSError("unreadable")
            return self.entries

    monkeypatch.setattr(scatter._cache, "_cache_file", Index({}))
    assert not compiled.renderer_compiled()  # nothing cached for this source
    monkeypatch.setattr(scatter._cache, "_cache_file", Index(None))
    assert compiled.renderer_compiled()  # cannot tell: say nothing rather than cry wolf


def test_batch_says_it_compiles_only_when_it_has_photos_to_render(terminal, cold, tmp_path):
    album = tmp_path / "album"
    album.mkdir()
    scene_photo(album / "a.jpg")
    args = ["batch", album, "-o", tmp_path / "out", "--preset", "preview", "--estimator", "classic"]
    first = run(*args, "--duration", "0.5")
    assert first.exit_code == 0, first.output
    assert first.stderr.count(NOTICE) == 1
    again = run(*args, "--duration", "0.5")  # the clip is done: nothing to render
    assert again.exit_code == 0, again.output
    assert "1 already done" in again.output and NOTICE not in again.output


def test_a_reel_of_an_empty_album_gets_only_its_error(terminal, cold, tmp_path):
    (tmp_path / "empty").mkdir()
    result = run("reel", tmp_path / "empty", "-o", tmp_path / "reel.mp4")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "has no photos" in lines[0]
