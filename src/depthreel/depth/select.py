"""Choosing the depth estimator: the named one, or the first usable one by priority."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from depthreel.depth.base import DepthEstimator, EstimatorUnavailable
from depthreel.errors import unknown


def _label(cls: type[DepthEstimator]) -> str:
    builtin = cls.__module__.startswith("depthreel.")
    return f"the built-in '{cls.name}' estimator" if builtin else f"the '{cls.name}' estimator"


def choose_estimator(
    registry_estimators: dict[str, type],
    name: str | None,
    notice: Callable[[str], None],
    **options: Any,
) -> DepthEstimator:
    """Instantiate and load an estimator.

    With a name, that estimator or its EstimatorUnavailable error (no silent fallback).
    Without one, estimators are tried by ascending priority (then name); each unavailable one
    is reported through `notice` in one line, e.g. "depth-anything unavailable: <reason>;
    using the built-in 'classic' estimator (<how to get the model>)". Options go to every
    estimator tried (each ignores those it does not know).
    """
    if name is not None:
        if name not in registry_estimators:
            raise unknown("estimator", name, registry_estimators)
        estimator: DepthEstimator = registry_estimators[name](**options)
        estimator.load()
        return estimator

    classes = cast(list[type[DepthEstimator]], list(registry_estimators.values()))
    ordered = sorted(classes, key=lambda c: (c.priority, c.name))
    if not ordered:
        raise EstimatorUnavailable("no depth estimator is registered")
    failed: list[tuple[str, EstimatorUnavailable]] = []
    for cls in ordered:
        estimator = cls(**options)
        try:
            estimator.load()
        except EstimatorUnavailable as exc:
            failed.append((cls.name, exc))
            continue
        for failed_name, error in failed:
            _notice_fallback(notice, failed_name, error, cls)
        return estimator
    failures = [f"{failed_name}: {error}" for failed_name, error in failed]
    raise EstimatorUnavailable("no depth estimator can run here: " + "; ".join(failures))


def _notice_fallback(
    notice: Callable[[str], None],
    failed: str,
    exc: EstimatorUnavailable,
    next_cls: type[DepthEstimator],
) -> None:
    reason = str(getattr(exc, "reason", "") or exc)
    hint = str(getattr(exc, "hint", "") or "")
    line = f"{failed} unavailable: {reason}; using {_label(next_cls)}"
    if hint:
        line += f" ({hint})"
    notice(" ".join(line.split()))
