"""Choosing an estimator: priority order, one-line fallback notice, no silent fallback."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest

from depthreel.builtins.estimators import register_estimators
from depthreel.depth.base import DepthEstimator, EstimatorUnavailable
from depthreel.depth.classic import ClassicEstimator
from depthreel.depth.depth_anything import DepthAnythingEstimator
from depthreel.depth.select import choose_estimator
from depthreel.errors import NotFoundError


class Missing(DepthEstimator):
    name: ClassVar[str] = "missing"
    priority: ClassVar[int] = 1

    def load(self) -> None:
        raise EstimatorUnavailable("weights not found")


class Flat(DepthEstimator):
    name: ClassVar[str] = "flat"
    priority: ClassVar[int] = 5

    def estimate(self, image: np.ndarray) -> np.ndarray:
        return np.ones(image.shape[:2], np.float32)


def test_builtins_register_both_with_depth_anything_first() -> None:
    got: list[Any] = []
    register_estimators(register=got.append)
    assert {c.name for c in got} == {"classic", "depth-anything"}
    assert DepthAnythingEstimator.priority < ClassicEstimator.priority


def test_falls_back_by_priority_with_one_notice() -> None:
    notices: list[str] = []
    est = choose_estimator({"flat": Flat, "missing": Missing}, None, notices.append, k=1)
    assert isinstance(est, Flat) and est.options == {"k": 1}
    assert notices == ["missing unavailable: weights not found; using the 'flat' estimator"]


def test_no_notice_when_first_choice_works() -> None:
    notices: list[str] = []
    assert isinstance(choose_estimator({"flat": Flat}, None, notices.append), Flat)
    assert notices == []


def test_named_estimator_does_not_fall_back() -> None:
    with pytest.raises(EstimatorUnavailable, match="weights not found"):
        choose_estimator({"flat": Flat, "missing": Missing}, "missing", print)


def test_unknown_name_suggests() -> None:
    with pytest.raises(NotFoundError, match=r"unknown estimator 'flta' \(did you mean 'flat'\?\)"):
        choose_estimator({"flat": Flat, "missing": Missing}, "flta", print)


def test_nothing_usable() -> None:
    with pytest.raises(EstimatorUnavailable, match="no depth estimator can run here: missing"):
        choose_estimator({"missing": Missing}, None, print)


def test_real_fallback_message_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("DEPTHREEL_DEPTH_MODEL", "depthreel-tests/no-such-model")
    notices: list[str] = []
    registry = {"classic": ClassicEstimator, "depth-anything": DepthAnythingEstimator}
    est = choose_estimator(registry, None, notices.append)
    assert isinstance(est, ClassicEstimator)
    assert len(notices) == 1 and "\n" not in notices[0]
    assert notices[0].startswith("depth-anything unavailable: depthreel-tests/no-such-model")
    assert "using the built-in 'classic' estimator (run once with network access" in notices[0]
    assert notices[0].endswith("set DEPTHREEL_DEPTH_MODEL=/path/to/it)")
