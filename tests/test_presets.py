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
