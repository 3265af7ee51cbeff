"""Built-in segmenters."""

from __future__ import annotations

from depthreel import hookimpl
from depthreel.hookspecs import Register


@hookimpl
def register_segmenters(register: Register) -> None:
    from depthreel.segment import DepthSegmenter

    register(DepthSegmenter)
