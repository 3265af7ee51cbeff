"""The main subject of a photo as an alpha matte: depth, the depth's hint, a segmenter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from depthreel.errors import DepthreelError, PluginError
from depthreel.photo import Photo
from depthreel.registry import Registry


@dataclass
class Matte:
    """The subject's alpha (H, W) float32 in [0, 1], with the depth it was found in."""

    alpha: np.ndarray
    depth: np.ndarray  # (H, W) float32 metric depth at the photo's size
    hint: np.ndarray  # (H, W) bool, the subject as the depth sees it
    depth_source: str
    segmenter: str

    @property
    def found(self) -> bool:
        return bool((self.alpha >= 0.5).any())


def subject_matte(
    photo: Photo,
    registry: Registry,
    notice: Callable[[str], None],
    segmenter: str | None = None,
    estimator: str | None = None,
    depth_file: Path | None = None,
    depth_kind: str = "inverse",
    focal: float | None = None,
) -> Matte:
    """Depth at the photo's size, the subject hint from it, and the segmenter's matte."""
    from depthreel.segment import choose_segmenter, subject_hint
    from depthreel.still import full_depth, photo_camera

    chosen = choose_segmenter(registry, segmenter, notice)
    camera = photo_camera(photo, focal)
    depth, source = full_depth(photo, registry, notice, camera, estimator, depth_file, depth_kind)
    hint = subject_hint(depth)
    try:
        alpha = chosen.segment(photo.rgb, depth, hint)
    except DepthreelError:
        raise
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}".splitlines()[0]
        raise PluginError(f"segmenter '{chosen.name}' failed: {message}") from None
    alpha = np.asarray(alpha, np.float32)
    if alpha.shape != hint.shape:
        raise PluginError(
            f"segmenter '{chosen.name}' returned a {alpha.shape} matte for a {hint.shape} photo"
        )
    alpha = np.clip(np.nan_to_num(alpha, nan=0.0), 0.0, 1.0)
    return Matte(alpha, depth, hint, source, chosen.name)
