"""The depth-estimator interface.

Convention: `DepthEstimator.estimate` returns *relative inverse depth*: a float32 (H, W) array
of the input's size, finite and >= 0, where larger means nearer (as Depth Anything and
DepthFlow's maps). Scale and offset are arbitrary; depthreel.depth.convert normalises it.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from depthreel.errors import DepthreelError


class EstimatorUnavailable(DepthreelError):
    """The estimator cannot run here (no weights, no network); the message says how to fix it."""


class DepthEstimator:
    """Base class for depth estimators contributed through the `register_estimators` hook."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    # Lower runs first when no estimator is named; the first usable one is the default.
    priority: ClassVar[int] = 100

    def __init__(self, **options: Any) -> None:
        self.options = options

    def load(self) -> None:
        """Prepare (download, load weights); raise EstimatorUnavailable if it cannot run."""

    def estimate(self, image: np.ndarray) -> np.ndarray:
        """(H, W, 3) float32 RGB in [0, 1] -> (H, W) float32 relative inverse depth."""
        raise NotImplementedError

    def cache_key(self) -> str:
        """A string that changes whenever the estimator would return another map."""
        return f"{self.name}:{sorted(self.options.items())}"
