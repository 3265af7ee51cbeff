"""plugins/depthreel-figure8 as a user gets it: its pyproject's entry point, found by depthreel.

Nothing is installed into the environment: the test writes a .dist-info with the entry points
read from the plugin's own pyproject.toml next to its source, and puts both on sys.path.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from depthreel.cli import cli
from depthreel.motion import MotionContext
from depthreel.plugins import get_plugin_manager
from depthreel.registry import Registry

PLUGIN = Path(__file__).resolve().parent.parent / "plugins" / "depthreel-figure8"


@pytest.fixture
def figure8(tmp_path, monkeypatch):
    """The plugin 'installed' as pip would: source on sys.path plus its dist-info."""
    project = tomllib.loads((PLUGIN / "pyproject.toml").read_text())["project"]
    entry_points = project["entry-points"]["depthreel"]
    site = tmp_path / "site"
    info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[depthreel]\n{lines}")
    monkeypatch.syspath_prepend(str(PLUGIN / "src"))
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delenv("DEPTHREEL_PLUGINS", raising=False)
    return entry_points


def test_pyproject_declares_the_entry_point():
    data = tomllib.loads((PLUGIN / "pyproject.toml").read_text())
    assert data["project"]["entry-points"]["depthreel"] == {"figure8": "depthreel_figure8"}
    assert "depthreel" in data["project"]["dependencies"]
    assert (PLUGIN / "src" / "depthreel_figure8" / "__init__.py").is_file()


def test_installed_plugin_appears_in_list_motions(figure8):
    result = CliRunner().invoke(cli, ["list", "motions"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("figure8"))
    assert "figure eight" in line and line.endswith("[figure8]")
    plugins = CliRunner().invoke(cli, ["plugins"])
    assert "figure8 (depthreel-figure8)" in plugins.output and "motion figure8" in plugins.output


def test_figure8_loops_and_keeps_the_subject_still(figure8):
    registry = Registry.from_plugin_manager(get_plugin_manager())
    cls = registry.get("motion", "figure8")
    m = cls(tilt=1.0)
    assert m.periodic
    assert vars(m.pose(0.0)) == pytest.approx(vars(m.pose(1.0)), abs=1e-12)
    quarter, three_quarters = m.pose(0.25), m.pose(0.75)
    assert quarter.x > 0.05 and three_quarters.x < -0.05  # right, then left
    assert m.pose(0.125).y > 0 > m.pose(0.375).y  # two lobes: down, then up
    ctx = MotionContext(pivot_x=0.1, pivot_y=0.2)
    for t in np.linspace(0, 1, 9):
        pose = m.pose(float(t), ctx)
        cam = pose.rotation() @ (ctx.pivot() - [pose.x, pose.y, pose.z])
        screen = (cam[0] / cam[2] + pose.shift_x, cam[1] / cam[2] + pose.shift_y)
        assert screen == pytest.approx((0.1, 0.2), abs=1e-9)
    with pytest.raises(Exception, match="figure8 width"):
        cls(width=-1)


def test_disabled_by_env_var(figure8, monkeypatch):
    monkeypatch.setenv("DEPTHREEL_PLUGINS", "")
    assert "figure8" not in Registry.from_plugin_manager(get_plugin_manager()).names("motion")
