"""Every hook is documented with its exact signature and exercised by a test (as datasette
checks its plugin hooks); the examples in docs/plugins.md run and register what they say."""

from __future__ import annotations

import inspect
import re
import sys
import types
from pathlib import Path

import pytest

from depthreel import hookspecs
from depthreel.registry import KINDS, Registry

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "plugins.md").read_text()
HOOKS = sorted(
    name
    for name, fn in vars(hookspecs).items()
    if callable(fn) and hasattr(fn, f"{hookspecs.PROJECT}_spec")
)


def signature(name: str) -> str:
    sig = inspect.signature(getattr(hookspecs, name))
    return f"def {name}{sig}".replace("'", "")


def test_hookspecs_are_found():
    assert set(HOOKS) == set(KINDS.values())


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented(hook):
    assert f"### {hook}" in DOC, f"docs/plugins.md has no section for {hook}"
    assert signature(hook) in DOC, f"docs/plugins.md lacks the signature {signature(hook)}"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_test(hook):
    here = Path(__file__).name
    mentions = [
        p.name
        for p in (ROOT / "tests").glob("test_*.py")
        if p.name != here and re.search(rf"\b{hook}\b", p.read_text())
    ]
    assert mentions, f"no test exercises {hook}"


def examples() -> list[str]:
    return [
        block for block in re.findall(r"```python\n(.*?)```", DOC, re.S) if "@hookimpl" in block
    ]


@pytest.mark.parametrize("index", range(len(examples())))
def test_doc_examples_register_what_they_say(index, pm, monkeypatch):
    source = examples()[index]
    module = types.ModuleType(f"doc_example_{index}")
    monkeypatch.setitem(sys.modules, module.__name__, module)  # dataclasses look it up
    exec(compile(source, f"docs/plugins.md example {index}", "exec"), module.__dict__)
    pm.register(module, name=f"doc_example_{index}")
    registry = Registry.from_plugin_manager(pm)
    mine = {(kind, e.name) for kind in KINDS for e in registry.items(kind)}
    mine = {(k, n) for k, n in mine if registry.entries[k][n].plugin == f"doc_example_{index}"}
    assert mine, "the example registered nothing"
    assert not registry.errors
