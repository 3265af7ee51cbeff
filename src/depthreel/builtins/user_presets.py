"""User presets: TOML files in the config directory, registered without any Python.

The folder is `$DEPTHREEL_CONFIG_DIR/presets/`, else `$XDG_CONFIG_HOME/depthreel/presets/`,
else `~/.config/depthreel/presets/` (the XDG rules platformdirs follows on Linux). A file that
cannot be read, or whose name is taken, is reported in one line naming the file and skipped;
the other presets still load.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

from depthreel import hookimpl
from depthreel.errors import DepthreelError
from depthreel.hookspecs import Register
from depthreel.presets import bundled_presets_dir, load_preset_file

CONFIG_ENV = "DEPTHREEL_CONFIG_DIR"


def config_dir() -> Path:
    """depthreel's configuration folder (it need not exist)."""
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg).expanduser() if xdg and Path(xdg).is_absolute() else Path.home() / ".config"
    return base / "depthreel"


def user_presets_dir() -> Path:
    return config_dir() / "presets"


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


@hookimpl
def register_presets(register: Register) -> None:
    folder = user_presets_dir()
    if not folder.is_dir():
        return
    bundled = {path.stem for path in bundled_presets_dir().glob("*.toml")}
    for path in sorted(folder.glob("*.toml")):
        try:
            preset = load_preset_file(path)
            if preset.name in bundled:
                raise DepthreelError(
                    f"preset file {path}: name '{preset.name}' is a built-in preset; rename it"
                )
            label = preset.description or preset.summary()
            register(dataclasses.replace(preset, description=f"{label} [user: {path.name}]"))
        except DepthreelError as exc:
            warn(str(exc).replace(f"preset {path}:", f"preset file {path}:"))
