"""Export presets: TOML data, validation with clear errors, command-line overrides."""

from __future__ import annotations

import pytest

from depthreel.errors import DepthreelError
from depthreel.presets import load_preset_file, parse_preset


def test_bundled_presets_are_vertical_h264(registry):
    for name in ("reels", "tiktok", "shorts"):
        preset = registry.get("preset", name)
        assert (preset.width, preset.height, preset.fps) == (1080, 1920, 30)
        assert preset.codec == "libx264" and preset.pix_fmt == "yuv420p"
        assert preset.frame_count == round(preset.duration * 30)


def test_overrides_win(registry):
    preset = registry.get("preset", "reels").with_overrides(duration=2.0, fps=None)
    assert preset.duration == 2.0 and preset.fps == 30


def test_tables_and_motion_defaults():
    preset = parse_preset(
        {
            "name": "dreamy",
            "video": {"width": 720, "height": 1280, "fps": 25},
            "motion": {"name": "circle", "intensity": 0.5},
            "effects": ["vignette"],
        }
    )
    assert (preset.width, preset.fps, preset.motion) == (720, 25, "circle")
    assert preset.motion_options == {"intensity": 0.5} and preset.effects == ("vignette",)


def test_malformed_toml_names_the_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("name = 'x'\nwidth = = 3\n")
    with pytest.raises(DepthreelError, match=r"bad\.toml: invalid TOML"):
        load_preset_file(path)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "x", "widht": 3}, "unknown keys widht"),
        ({"width": 100}, "missing 'name'"),
        ({"name": "x", "width": 101}, "must be even"),
        ({"name": "x", "fps": 0}, "fps 0"),
        ({"name": "x", "codec": "mpeg1"}, "codec 'mpeg1'"),
    ],
)
def test_invalid_presets_say_what_is_wrong(data, message):
    with pytest.raises(DepthreelError, match=message):
        parse_preset(data, source="p.toml")


# --- the preset library, motion presets, user presets ------------------------------------

SIZES = {
    "reels": (1080, 1920),
    "tiktok": (1080, 1920),
    "shorts": (1080, 1920),
    "story": (1080, 1920),
    "feed-portrait": (1080, 1350),
    "square": (1080, 1080),
    "landscape": (1920, 1080),
    "webm": (1080, 1920),
}


def test_library_sizes_codecs_and_quality(registry):
    for name, size in SIZES.items():
        preset = registry.get("preset", name)
        assert (preset.width, preset.height) == size, name
        assert preset.crf is not None and preset.fps == 30 and preset.description
    webm, gif = registry.get("preset", "webm"), registry.get("preset", "gif")
    assert (webm.codec, webm.container) == ("libvpx-vp9", "webm")
    assert (gif.codec, gif.container, gif.loop) == ("gif", "gif", True)
    assert gif.width * gif.height < 360 * 640 and gif.duration <= 4


def test_bundled_file_names_match_preset_names():
    from depthreel.presets import bundled_presets_dir

    for path in bundled_presets_dir().glob("*.toml"):
        assert load_preset_file(path).name == path.stem


def test_motion_presets_name_motions_and_effects_that_exist(registry):
    from depthreel.pipeline import (
        RenderSettings,
        build_effects,
        build_motion,
        effect_request,
        motion_request,
    )

    presets = [p for p in (e.obj for e in registry.items("preset")) if p.motion]
    assert {"reels-dreamy", "tiktok-vertigo", "shorts-handheld"} <= {p.name for p in presets}
    for preset in presets:
        settings = RenderSettings(preset=preset.name)
        name, options = motion_request(preset, settings)
        assert name == preset.motion
        build_motion(registry, name, options)
        assert build_effects(registry, effect_request(preset, settings))
    dreamy = registry.get("preset", "reels-dreamy")
    name, options = motion_request(dreamy, RenderSettings(preset="reels-dreamy"))
    assert (name, options["intensity"]) == ("circle", 0.6)
    effects = [n for n, _ in effect_request(dreamy, RenderSettings())]
    assert effects[:2] == ["fog", "dof"]


def test_command_line_beats_the_preset(registry):
    from depthreel.pipeline import RenderSettings, effect_request, motion_request, resolve_preset

    settings = RenderSettings(
        preset="reels-dreamy",
        motion="dolly",
        motion_options={"intensity": 2.0},
        effects=[("grain", {})],
        size=(720, 1280),
        fps=24,
    )
    preset = resolve_preset(registry, settings)
    assert (preset.width, preset.height, preset.fps, preset.duration) == (720, 1280, 24, 6.0)
    assert motion_request(preset, settings) == ("dolly", {"intensity": 2.0})
    assert effect_request(preset, settings) == [("grain", {})]
    same_motion = RenderSettings(preset="reels-dreamy", motion_options={"intensity": 0.3})
    assert motion_request(preset, same_motion) == ("circle", {"intensity": 0.3})
    looping = registry.get("preset", "gif")
    assert motion_request(looping, RenderSettings(preset="gif"))[1] == {"loop": True}


def test_size_option_is_checked():
    from depthreel.specs import parse_size

    assert parse_size("720x1280") == (720, 1280)
    for bad in ("720", "721x1280", "axb", "8x8"):
        with pytest.raises(DepthreelError, match="WIDTHxHEIGHT"):
            parse_size(bad)


def user_dir(tmp_path, monkeypatch, files):
    folder = tmp_path / "config" / "presets"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    monkeypatch.setenv("DEPTHREEL_CONFIG_DIR", str(tmp_path / "config"))
    return folder


def test_user_presets_load_without_python(tmp_path, monkeypatch, registry_factory):
    user_dir(
        tmp_path,
        monkeypatch,
        {"mine.toml": 'name = "mine"\nwidth = 720\nheight = 1280\n[motion]\nname = "swing"\n'},
    )
    registry = registry_factory()
    mine = registry.get("preset", "mine")
    assert (mine.width, mine.motion) == (720, "swing")
    assert "[user: mine.toml]" in mine.description
    assert registry.entries["preset"]["mine"].plugin == "builtin_user_presets"


def test_config_dir_follows_xdg(tmp_path, monkeypatch):
    from depthreel.builtins.user_presets import user_presets_dir

    monkeypatch.delenv("DEPTHREEL_CONFIG_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert user_presets_dir() == tmp_path / "xdg" / "depthreel" / "presets"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_presets_dir() == tmp_path / "home" / ".config" / "depthreel" / "presets"


def test_bad_user_presets_are_one_line_each_and_hide_nothing(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from depthreel.cli import cli

    user_dir(
        tmp_path,
        monkeypatch,
        {
            "broken.toml": "name = 'x'\nwidth = = 3\n",
            "odd.toml": "name = 'odd'\nwidth = 721\n",
            "reels.toml": "name = 'reels'\nwidth = 720\n",
            "good.toml": "name = 'good'\nfps = 25\n",
        },
    )
    result = CliRunner().invoke(cli, ["list", "presets"])
    assert result.exit_code == 0
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 3
    assert any("broken.toml" in w and "invalid TOML" in w for w in warnings)
    assert any("odd.toml" in w and "must be even" in w for w in warnings)
    assert any("reels.toml" in w and "built-in" in w for w in warnings)
    listed = [line.split()[0] for line in result.stdout.splitlines()]
    assert {"good", "reels", "gif", "webm", "square"} <= set(listed)
    assert "odd" not in listed and "x" not in listed


def test_listing_states_each_presets_quality():
    from click.testing import CliRunner

    from depthreel.cli import cli

    result = CliRunner().invoke(cli, ["list", "presets"])
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert lines["reels"].endswith("(CRF 18, veryfast)")
    assert lines["webm"].endswith("(CRF 32, good)")
    assert "(" not in lines["gif"].split("loop")[-1]  # a GIF has no encoder quality to state
