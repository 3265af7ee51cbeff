"""Built-in depth estimators."""

from __future__ import annotations

from depthreel import hookimpl
from depthreel.hookspecs import Register


@hookimpl
def register_estimators(register: Register) -> None:
    from depthreel.depth.classic import ClassicEstimator
    from depthreel.depth.depth_anything import DepthAnythingEstimator

    register(DepthAnythingEstimator)
    register(ClassicEstimator)
