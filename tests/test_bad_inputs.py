"""The bad-input corpus: every file-taking command, every kind of bad input, one clear line.

Each case is generated here (nothing is downloaded) and run against every command in
commands.COMMANDS that takes the input it spoils. For each: the exit code, exactly one
"Error:" line naming the problem (other lines only warnings or notices), no traceback, no
output or temp file left, and every file that existed before unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from commands import COMMANDS, Command
from conftest import scene_photo
from media import huge_png
from PIL import Image

from depthreel.cli import cli


@dataclass
class Setup:
    """What a case gets to spoil: a good photo, the output folder, the command, a plugin maker."""

    root: Path
    photo: Path
    out: Path
    command: Command
    make_plugin: Callable[..., str]
    extra: list[str] = field(default_factory=list)

    def file(self, name: str, data: bytes) -> Path:
        path = self.root / name
        path.write_bytes(data)
        return path


def truncated_jpeg(s: Setup) -> None:
    data = s.photo.read_bytes()
    s.photo = s.file("cut.jpg", data[: len(data) // 2])


def tiny_image(s: Setup) -> None:
    s.photo = s.root / "dot.png"
    Image.new("RGB", (1, 1), "red").save(s.photo)


def depth_map(values: np.ndarray) -> Callable[[Setup], None]:
    def setup(s: Setup) -> None:
        np.save(s.root / "map.npy", values)
        s.extra += ["--depth", str(s.root / "map.npy")]

    return setup


def broken_preset_plugin(s: Setup) -> None:
    """A plugin that ships a preset file with a TOML syntax error (as a user preset would)."""
    toml = s.root / "broken.toml"
    toml.write_text('name = "broken"\nwidth = = 720\n')
    s.make_plugin(
        "brokenpreset",
        "brokenpreset",
        f"""
        from pathlib import Path
        from depthreel import hookimpl
        from depthreel.presets import load_preset_file

        @hookimpl
        def register_presets(register):
            register(load_preset_file(Path({str(toml)!r})))
        """,
    )
    s.extra += ["--preset", "broken"]


RAISING_PLUGIN = """
    import numpy as np
    from dataclasses import dataclass
    from depthreel import hookimpl
    from depthreel.depth.base import DepthEstimator
    from depthreel.effect import Effect

    class Boom(DepthEstimator):
        name = "boom"
        def estimate(self, image):
            raise RuntimeError("boom while estimating")

    @dataclass
    class BoomEffect(Effect):
        name = "boom"
        def apply(self, frame, ctx):
            raise ValueError("boom while applying")

    @hookimpl
    def register_estimators(register):
        register(Boom)

    @hookimpl
    def register_effects(register):
        register(BoomEffect)
"""


def raising_plugin(*extra: str) -> Callable[[Setup], None]:
    def setup(s: Setup) -> None:
        s.make_plugin("boomfx", "boomfx", RAISING_PLUGIN)
        s.extra += list(extra)

    return setup


def existing_output(s: Setup) -> None:
    (s.out / s.command.outputs[0]).write_bytes(b"precious")


def output_is_a_folder(s: Setup) -> None:
    (s.out / s.command.outputs[0]).mkdir()


def missing_output_folder(s: Setup) -> None:
    s.out = s.root / "no" / "such" / "folder"


@dataclass(frozen=True)
class Case:
    name: str
    setup: Callable[[Setup], None]
    fragments: tuple[str, ...]
    needs: str | None = None  # an input the command must take ("motion", "depth"...)
    unless: str | None = None  # not for commands that take this ("folders": a folder is valid)
    exit_code: int = 1


CASES = [
    Case("missing file", lambda s: setattr(s, "photo", s.root / "gone.jpg"), ("does not exist",)),
    Case("a folder", lambda s: setattr(s, "photo", s.root), ("is a folder",), unless="folders"),
    Case("zero bytes", lambda s: setattr(s, "photo", s.file("e.jpg", b"")), ("empty (0 bytes)",)),
    Case("truncated jpeg", truncated_jpeg, ("could not be read", "truncated")),
    Case(
        "text named .jpg",
        lambda s: setattr(s, "photo", s.file("notes.jpg", b"shopping list\n")),
        ("not an image depthreel can read",),
    ),
    Case("1x1 image", tiny_image, ("1x1", "at least 16 px")),
    Case(
        "30000x30000 image",
        lambda s: setattr(s, "photo", huge_png(s.root / "bomb.png")),
        ("30000x30000", "megapixel limit", "--allow-huge"),
    ),
    Case(
        "depth map of another shape",
        depth_map(np.ones((50, 50), np.float32)),
        ("aspect",),
        needs="depth",
    ),
    Case(
        "all-NaN depth map",
        depth_map(np.full((24, 32), np.nan, np.float32)),
        ("no valid values",),
        needs="depth",
    ),
    Case(
        "missing depth map",
        lambda s: s.extra.extend(["--depth", "nope.npy"]),
        ("nope.npy",),
        "depth",
    ),
    Case(
        "unknown motion",
        lambda s: s.extra.extend(["--motion", "dolyl"]),
        ("did you mean 'dolly'",),
        "motion",
    ),
    Case(
        "unknown effect",
        lambda s: s.extra.extend(["-e", "vignete"]),
        ("did you mean 'vignette'",),
        "effect",
    ),
    Case(
        "unknown preset",
        lambda s: s.extra.extend(["--preset", "reel"]),
        ("did you mean 'reels'",),
        "preset",
    ),
    Case(
        "unknown estimator",
        lambda s: s.extra.extend(["--estimator", "clasic"]),
        ("did you mean 'classic'",),
    ),
    Case(
        "negative focal length",
        lambda s: s.extra.extend(["--focal", "-3"]),
        ("--focal must be > 0, got -3.0",),
        "focal",
    ),
    Case("malformed preset TOML", broken_preset_plugin, ("unknown preset 'broken'",), "preset"),
    Case("output folder missing", missing_output_folder, ("does not exist",)),
    Case("output exists", existing_output, ("already exists", "--force")),
    Case("output is a folder", output_is_a_folder, ("is a folder",)),
    Case(
        "estimator plugin raises",
        raising_plugin("--estimator", "boom"),
        ("plugin 'boomfx' failed", "RuntimeError: boom while estimating"),
    ),
    Case(
        "effect plugin raises",
        raising_plugin("-e", "boom"),
        ("plugin 'boomfx' failed", "ValueError: boom while applying"),
        needs="effect",
    ),
]

RUNS = [
    pytest.param(command, case, id=f"{command.name}-{case.name}")
    for command in COMMANDS
    for case in CASES
    if (case.needs is None or case.needs in command.takes) and case.unless not in command.takes
]


def snapshot(root: Path) -> dict[str, str]:
    """Every file under `root` (hidden ones too) and a hash of its content."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def one_error_line(output: str, fragments: tuple[str, ...]) -> str:
    lines = output.strip().splitlines()
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == 1, output
    others = [line for line in lines if line not in errors]
    assert all(line.startswith(("warning: ", "notice: ")) for line in others), output
    assert "Traceback" not in output
    for fragment in fragments:
        assert fragment in errors[0], output
    return errors[0]


@pytest.mark.parametrize(("command", "case"), RUNS)
def test_bad_input_is_one_clear_line_and_nothing_written(tmp_path, make_plugin_dist, command, case):
    root = tmp_path / "work"
    root.mkdir()
    setup = Setup(root, scene_photo(root / "photo.jpg"), root / "out", command, make_plugin_dist)
    setup.out.mkdir()
    case.setup(setup)
    before = snapshot(tmp_path)
    result = CliRunner().invoke(cli, command.argv(setup.photo, setup.out, *setup.extra))
    assert result.exit_code == case.exit_code, result.output
    one_error_line(result.output, case.fragments)
    assert snapshot(tmp_path) == before  # nothing written, nothing changed, no temp file


def test_debug_shows_the_traceback(tmp_path):
    photo = tmp_path / "notes.jpg"
    photo.write_text("not a photo")
    result = CliRunner().invoke(
        cli, ["--debug", "depth", str(photo), "-o", str(tmp_path / "d.png")]
    )
    assert result.exit_code == 1
    assert isinstance(result.exception, Exception) and "not an image" in str(result.exception)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_allow_huge_lifts_the_size_guard(tmp_path, monkeypatch, command):
    """The guard at a limit lowered for the test: refused without the flag, read with it."""
    monkeypatch.setattr("depthreel.photo.MAX_PIXELS", 10_000)
    photo = scene_photo(tmp_path / "big.jpg", 160, 120)
    refused = CliRunner().invoke(cli, command.argv(photo, tmp_path))
    one_error_line(refused.output, ("megapixel limit", "--allow-huge"))
    allowed = CliRunner().invoke(cli, command.argv(photo, tmp_path, "--allow-huge"))
    assert allowed.exit_code == 0, allowed.output
    assert all((tmp_path / name).is_file() for name in command.outputs)


def test_constant_depth_map_renders_flat_with_a_notice(tmp_path):
    photo = scene_photo(tmp_path / "photo.jpg")
    np.save(tmp_path / "flat.npy", np.full((24, 32), 0.5, np.float32))
    command = next(c for c in COMMANDS if "depth" in c.takes)
    result = CliRunner().invoke(
        cli, command.argv(photo, tmp_path, "--depth", str(tmp_path / "flat.npy"))
    )
    assert result.exit_code == 0, result.output
    assert "notice: depth map" in result.output and "flat" in result.output


def test_plugin_failing_to_register_is_a_warning_not_a_crash(tmp_path, make_plugin_dist):
    make_plugin_dist(
        "brokenreg",
        "brokenreg",
        """
        from depthreel import hookimpl

        @hookimpl
        def register_effects(register):
            raise ImportError("needs a library that is not installed")
        """,
    )
    photo = scene_photo(tmp_path / "photo.jpg")
    depth = next(c for c in COMMANDS if c.name == "depth")
    result = CliRunner().invoke(cli, depth.argv(photo, tmp_path))
    assert result.exit_code == 0, result.output
    assert "warning: plugin 'brokenreg' failed while registering: ImportError" in result.output
