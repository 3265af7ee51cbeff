"""Third-party plugins through every hook: what they register is what depthreel then uses."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from depthreel.cli import cli
from depthreel.plugins import get_plugin_manager
from depthreel.registry import Registry

PRESET_PLUGIN = """
from depthreel import hookimpl
from depthreel.presets import ExportPreset

@hookimpl
def register_presets(register):
    register(ExportPreset(name="tiny-loop", width=64, height=96, fps=10, duration=0.5,
                          encoder_preset="ultrafast", loop=True, motion="swing",
                          effects=("grade:saturation=0",), description="test preset"))
"""

INPAINTER_PLUGIN = """
import numpy as np
from depthreel import hookimpl
from depthreel.inpaint import Inpainter

class Flat(Inpainter):
    name = "flat"
    description = "fills holes with the mean colour"

    def inpaint(self, rgb, depth, hole, context=None):
        keep = ~hole if context is None else context
        out, z = rgb.copy(), depth.copy()
        out[hole] = rgb[keep].mean(axis=0)
        z[hole] = depth[keep].max()
        return out, z

@hookimpl
def register_inpainters(register):
    register(Flat)
"""


@pytest.fixture
def plugins(make_plugin_dist, monkeypatch):
    monkeypatch.delenv("DEPTHREEL_PLUGINS", raising=False)
    make_plugin_dist("depthreel-tiny", "depthreel_tiny", PRESET_PLUGIN)
    make_plugin_dist("depthreel-flat", "depthreel_flat", INPAINTER_PLUGIN)
    return Registry.from_plugin_manager(get_plugin_manager())


def test_register_presets_preset_renders_with_its_motion(plugins, photo, tmp_path):
    from conftest import probe

    assert plugins.entries["preset"]["tiny-loop"].plugin == "depthreel_tiny"
    out = tmp_path / "tiny.mp4"
    result = CliRunner().invoke(
        cli, ["render", str(photo), "-o", str(out), "-p", "tiny-loop", "--estimator", "classic"]
    )
    assert result.exit_code == 0, result.output
    assert "motion swing" in result.output
    info = probe(out)
    assert (info.width, info.height, info.frames) == (64, 96, 5)


def test_register_inpainters_inpainter_fills_holes(plugins):
    flat = plugins.get("inpainter", "flat")()
    rgb = np.zeros((4, 4, 3), np.float32)
    rgb[:, :2] = 1.0
    hole = np.zeros((4, 4), bool)
    hole[0, 0] = True
    out, depth = flat.inpaint(rgb, np.ones((4, 4), np.float32), hole)
    assert out[0, 0] == pytest.approx([7 / 15] * 3) and depth[0, 0] == 1.0
    assert "flat" in CliRunner().invoke(cli, ["list", "inpainters"]).output


def test_a_raising_motion_is_named_with_its_plugin(make_plugin_dist, monkeypatch, photo, tmp_path):
    monkeypatch.delenv("DEPTHREEL_PLUGINS", raising=False)
    make_plugin_dist(
        "depthreel-wobble",
        "depthreel_wobble",
        """
        from dataclasses import dataclass
        from depthreel import hookimpl
        from depthreel.motion import Motion

        @dataclass
        class Wobble(Motion):
            name = "wobble"
            description = "raises"

            def path(self, s, ctx):
                raise ZeroDivisionError("wobbled too far")

        @hookimpl
        def register_motions(register):
            register(Wobble)
        """,
    )
    listing = CliRunner().invoke(cli, ["list", "motions"])
    assert listing.exit_code == 0 and "wobble" in listing.output and "dolly" in listing.output
    out = tmp_path / "w.mp4"
    result = CliRunner().invoke(
        cli, ["render", str(photo), "-o", str(out), "-m", "wobble", "--estimator", "classic"]
    )
    assert result.exit_code == 1 and not out.exists()
    assert result.output.strip() == (
        "Error: motion 'wobble' from plugin 'depthreel_wobble' failed: "
        "ZeroDivisionError: wobbled too far"
    )
