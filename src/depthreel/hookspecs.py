"""The hooks a depthreel plugin can implement.

Every hook receives a ``register`` callable; call it once per thing contributed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

PROJECT = "depthreel"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

# Each hook is called with register(thing); `thing` is a class (motions, effects, estimators,
# inpainters, segmenters, upscalers) or an instance (presets) carrying `name` and
# `description` attributes.
Register = Callable[[Any], None]


@hookspec
def register_motions(register: Register) -> None:
    """Register camera motions: subclasses of depthreel.motion.Motion."""


@hookspec
def register_effects(register: Register) -> None:
    """Register frame effects: subclasses of depthreel.effect.Effect."""


@hookspec
def register_presets(register: Register) -> None:
    """Register export presets: depthreel.presets.ExportPreset instances."""


@hookspec
def register_estimators(register: Register) -> None:
    """Register depth estimators: subclasses of depthreel.depth.base.DepthEstimator."""


@hookspec
def register_inpainters(register: Register) -> None:
    """Register inpainters for hidden background: subclasses of depthreel.inpaint.Inpainter."""


@hookspec
def register_segmenters(register: Register) -> None:
    """Register subject segmenters for cut-outs: subclasses of depthreel.segment.Segmenter."""


@hookspec
def register_upscalers(register: Register) -> None:
    """Register upscalers (super-resolution): subclasses of depthreel.upscale.Upscaler."""
