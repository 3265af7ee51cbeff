"""Built-in export presets: the TOML files in presets/, registered like any plugin's."""

from __future__ import annotations

from depthreel import hookimpl
from depthreel.hookspecs import Register
from depthreel.presets import bundled_presets_dir, load_preset_file


@hookimpl
def register_presets(register: Register) -> None:
    for path in sorted(bundled_presets_dir().glob("*.toml")):
        register(load_preset_file(path))
