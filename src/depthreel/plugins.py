"""Plugin manager factory: built-ins and third-party plugins load through one entry-point group.

``DEPTHREEL_PLUGINS`` limits which third-party plugins load: a comma-separated list of
entry-point or distribution names; set it to an empty string to load none. Built-in plugins
(those shipped in the depthreel distribution) always load.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from importlib import metadata

import pluggy

from depthreel import hookspecs

ENTRY_POINT_GROUP = "depthreel"
ENV_VAR = "DEPTHREEL_PLUGINS"
DISTRIBUTION = "depthreel"

# Used only when the package runs without installed metadata (e.g. from a source tree).
BUILTIN_MODULES = {
    "builtin_motions": "depthreel.builtins.motions",
    "builtin_effects": "depthreel.builtins.effects",
    "builtin_captions": "depthreel.builtins.captions",
    "builtin_presets": "depthreel.builtins.presets",
    "builtin_user_presets": "depthreel.builtins.user_presets",
    "builtin_estimators": "depthreel.builtins.estimators",
    "builtin_inpainters": "depthreel.builtins.inpainters",
    "builtin_segmenters": "depthreel.builtins.segmenters",
    "builtin_upscalers": "depthreel.builtins.upscalers",
}


@dataclass
class LoadReport:
    """What the factory loaded, skipped and failed on, for `depthreel plugins`."""

    builtin: list[str] = field(default_factory=list)
    third_party: dict[str, str] = field(default_factory=dict)  # plugin name -> distribution
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # plugin name -> one-line reason


def allowed_plugins() -> set[str] | None:
    """Names allowed by DEPTHREEL_PLUGINS, or None when every plugin may load."""
    value = os.environ.get(ENV_VAR)
    if value is None:
        return None
    return {part.strip() for part in value.split(",") if part.strip()}


def get_plugin_manager(load_entrypoints: bool = True) -> pluggy.PluginManager:
    """Create a fresh plugin manager with the built-ins and the allowed third-party plugins."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    report = LoadReport()
    pm.depthreel_report = report  # type: ignore[attr-defined]
    seen_builtins: set[str] = set()
    if load_entrypoints:
        allowed = allowed_plugins()
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            dist = ep.dist.name if ep.dist is not None else "?"
            builtin = dist == DISTRIBUTION
            if builtin and ep.name in seen_builtins:
                continue  # the same editable install can be listed twice
            if not builtin and allowed is not None and not ({ep.name, dist} & allowed):
                report.skipped.append(ep.name)
                continue
            try:
                module = ep.load()
                pm.register(module, name=ep.name)
            except Exception as exc:  # a broken plugin must not take the others down
                report.failed[ep.name] = f"{type(exc).__name__}: {exc}"
                continue
            if builtin:
                seen_builtins.add(ep.name)
                report.builtin.append(ep.name)
            else:
                report.third_party[ep.name] = dist
    for name, module_name in BUILTIN_MODULES.items():
        if name not in seen_builtins:
            pm.register(importlib.import_module(module_name), name=name)
            report.builtin.append(name)
    return pm


def load_report(pm: pluggy.PluginManager) -> LoadReport:
    """The LoadReport attached by get_plugin_manager (an empty one for other managers)."""
    return getattr(pm, "depthreel_report", LoadReport())
