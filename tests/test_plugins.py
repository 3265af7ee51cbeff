"""The plugin system: built-ins load like plugins, third-party ones join, clashes and failures."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from depthreel.cli import cli
from depthreel.errors import PluginError
from depthreel.plugins import get_plugin_manager, load_report
from depthreel.registry import Registry

SPIRAL_PLUGIN = """
from dataclasses import dataclass
from typing import ClassVar
from depthreel import hookimpl
from depthreel.motion import Motion
from depthreel.scene import CameraPose

@dataclass
class Spiral(Motion):
    name: ClassVar[str] = "spiral"
    description: ClassVar[str] = "test spiral"

    def path(self, s, ctx):
        return CameraPose.looking_at(x=0.05 * s, z=0.05 * s)

@hookimpl
def register_motions(register):
    register(Spiral)
"""

CLASH_PLUGIN = """
from depthreel import hookimpl
from depthreel.builtins.motions import Dolly

class MyDolly(Dolly):
    name = "dolly"

@hookimpl
def register_motions(register):
    register(MyDolly)
"""

BROKEN_PLUGIN = """
from depthreel import hookimpl

@hookimpl
def register_effects(register):
    raise RuntimeError("effect plugin exploded")
"""


def test_builtins_are_plugins(registry):
    assert {"dolly", "zoom", "circle", "horizontal", "vertical"} <= set(registry.names("motion"))
    assert {"reels", "tiktok", "shorts"} <= set(registry.names("preset"))
    assert {"classic", "depth-anything"} <= set(registry.names("estimator"))
    assert "telea" in registry.names("inpainter")
    assert "vignette" in registry.names("effect")
    plugin_of = {e.name: e.plugin for e in registry.items("motion")}
    assert plugin_of["dolly"] == "builtin_motions"


def test_builtins_load_through_entry_points():
    report = load_report(get_plugin_manager())
    assert "builtin_motions" in report.builtin
    assert not report.failed


def test_third_party_plugin_adds_a_motion(make_plugin_dist, monkeypatch):
    monkeypatch.delenv("DEPTHREEL_PLUGINS", raising=False)
    make_plugin_dist("depthreel-spiral", "depthreel_spiral", SPIRAL_PLUGIN)
    registry = Registry.from_plugin_manager(get_plugin_manager())
    assert registry.get("motion", "spiral").description == "test spiral"
    result = CliRunner().invoke(cli, ["list", "motions"])
    assert result.exit_code == 0
    assert "spiral" in result.output and "[depthreel_spiral]" in result.output
    listing = CliRunner().invoke(cli, ["plugins"])
    assert "depthreel_spiral (depthreel-spiral)" in listing.output
    assert "motion spiral" in listing.output


def test_env_var_limits_third_party_plugins(make_plugin_dist, monkeypatch):
    make_plugin_dist("depthreel-spiral", "depthreel_spiral", SPIRAL_PLUGIN)
    monkeypatch.setenv("DEPTHREEL_PLUGINS", "")
    pm = get_plugin_manager()
    assert "spiral" not in Registry.from_plugin_manager(pm).names("motion")
    assert "depthreel_spiral" in load_report(pm).skipped
    assert "dolly" in Registry.from_plugin_manager(pm).names("motion")  # built-ins stay
    monkeypatch.setenv("DEPTHREEL_PLUGINS", "depthreel-spiral")
    assert "spiral" in Registry.from_plugin_manager(get_plugin_manager()).names("motion")


def test_name_clash_names_both_plugins(pm):
    import types

    module = types.ModuleType("clashing")
    exec(CLASH_PLUGIN, module.__dict__)
    pm.register(module, name="clashing")
    with pytest.raises(PluginError) as info:
        Registry.from_plugin_manager(pm)
    message = str(info.value)
    assert "'dolly'" in message and "builtin_motions" in message and "clashing" in message


def test_clash_is_a_one_line_cli_error(make_plugin_dist, monkeypatch):
    monkeypatch.delenv("DEPTHREEL_PLUGINS", raising=False)
    make_plugin_dist("depthreel-clash", "depthreel_clash", CLASH_PLUGIN)
    result = CliRunner().invoke(cli, ["list", "motions"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "registered by two plugins" in result.output and "depthreel_clash" in result.output


def test_plugin_that_raises_does_not_hide_the_others(make_plugin_dist, monkeypatch, capsys):
    monkeypatch.delenv("DEPTHREEL_PLUGINS", raising=False)
    make_plugin_dist("depthreel-broken", "depthreel_broken", BROKEN_PLUGIN)
    registry = Registry.from_plugin_manager(get_plugin_manager())
    assert "effect plugin exploded" in registry.errors["depthreel_broken"]
    assert "vignette" in registry.names("effect")
    assert "depthreel_broken" in capsys.readouterr().err
    result = CliRunner().invoke(cli, ["plugins"])
    assert result.exit_code == 0
    assert "failed: RuntimeError: effect plugin exploded" in result.output


def test_plugin_that_fails_to_import_is_reported(make_plugin_dist, monkeypatch):
    monkeypatch.delenv("DEPTHREEL_PLUGINS", raising=False)
    make_plugin_dist("depthreel-bad", "depthreel_bad", "import not_a_module_anywhere\n")
    report = load_report(get_plugin_manager())
    assert "ModuleNotFoundError" in report.failed["depthreel_bad"]
    result = CliRunner().invoke(cli, ["list", "motions"])
    assert result.exit_code == 0 and "dolly" in result.output


def test_unknown_name_suggests_the_closest(registry):
    from depthreel.errors import NotFoundError

    with pytest.raises(NotFoundError, match="did you mean 'dolly'"):
        registry.get("motion", "dolyl")
