"""Collects what plugins contribute, per kind; detects name clashes and isolates plugin errors."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pluggy

from depthreel.errors import PluginError, unknown

# kind -> hook name; the kind is also the word used in messages and in `depthreel list`.
KINDS = {
    "motion": "register_motions",
    "effect": "register_effects",
    "preset": "register_presets",
    "estimator": "register_estimators",
    "inpainter": "register_inpainters",
    "segmenter": "register_segmenters",
    "upscaler": "register_upscalers",
}


@dataclass(frozen=True)
class Entry:
    """One contribution: its name, the object, and the plugin that registered it."""

    name: str
    obj: Any
    plugin: str

    @property
    def description(self) -> str:
        return str(getattr(self.obj, "description", "") or "")


@dataclass
class Registry:
    """Everything registered, by kind; built once per command from a plugin manager."""

    entries: dict[str, dict[str, Entry]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # plugin name -> one-line error

    @classmethod
    def from_plugin_manager(cls, pm: pluggy.PluginManager) -> Registry:
        registry = cls(entries={kind: {} for kind in KINDS})
        for kind, hook_name in KINDS.items():
            hook = getattr(pm.hook, hook_name, None)
            if hook is None:
                continue
            for impl in hook.get_hookimpls():
                registry._collect(kind, impl.plugin_name, impl.function)
        return registry

    def _collect(self, kind: str, plugin: str, function: Any) -> None:
        def register(obj: Any) -> None:
            name = getattr(obj, "name", None)
            if not isinstance(name, str) or not name:
                raise PluginError(f"plugin '{plugin}' registered a {kind} without a name")
            existing = self.entries[kind].get(name)
            if existing is not None:
                raise PluginError(
                    f"{kind} '{name}' is registered by two plugins: "
                    f"'{existing.plugin}' and '{plugin}'; uninstall one or limit plugins "
                    "with DEPTHREEL_PLUGINS"
                )
            self.entries[kind][name] = Entry(name, obj, plugin)

        try:
            function(register=register)
        except PluginError:
            raise
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}"
            self.errors[plugin] = message
            print(
                f"warning: plugin '{plugin}' failed while registering: {message}", file=sys.stderr
            )

    def names(self, kind: str) -> list[str]:
        return sorted(self.entries.get(kind, {}))

    def items(self, kind: str) -> Iterator[Entry]:
        for name in self.names(kind):
            yield self.entries[kind][name]

    def get(self, kind: str, name: str) -> Any:
        """The registered object, or a NotFoundError with a 'did you mean' hint."""
        entry = self.entries.get(kind, {}).get(name)
        if entry is None:
            raise unknown(kind, name, self.names(kind))
        return entry.obj

    def by_plugin(self) -> dict[str, list[tuple[str, str]]]:
        """plugin name -> [(kind, name), ...] for the `plugins` command."""
        result: dict[str, list[tuple[str, str]]] = {}
        for kind, entries in self.entries.items():
            for entry in entries.values():
                result.setdefault(entry.plugin, []).append((kind, entry.name))
        return result
