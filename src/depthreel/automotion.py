"""`--motion auto`: pick the motion and intensity that keep the uncovered area in a budget.

Each candidate path is fitted to the photo as for a real render (same subject, pivot, crop),
then a few low-resolution views of the single photo layer are rendered without hole filling;
the share of pixels with little real coverage is what a render would have to invent. Holes
grow about linearly with intensity, so each candidate needs one or two tries.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from depthreel.depthmap import PhotoDepth
from depthreel.errors import DepthreelError
from depthreel.motion import Motion
from depthreel.photo import Photo
from depthreel.registry import Registry
from depthreel.scene import Intrinsics, Layer
from depthreel.subject import find_subject

# Tried in this order; on equal intensity the earlier one wins (the more lively motion).
CANDIDATES = ("circle", "dolly", "orbit", "swing", "horizontal", "vertical", "zoom", "ken-burns")
INTENSITIES = (1.0, 0.8, 0.6, 0.45, 0.3)
BUDGET = 0.025  # at most this share of the frame uncovered at any sampled time
SAMPLES = 7  # views rendered per path
PROBE_WIDTH = 128  # px, the probe renders' output width
COVERED = 0.5  # a pixel with less real coverage than this counts as uncovered


@dataclass(frozen=True)
class Trial:
    name: str
    intensity: float
    uncovered: float  # worst share of uncovered pixels along the path


@dataclass(frozen=True)
class AutoChoice:
    """The chosen motion, and every candidate's best trial (for the summary line)."""

    motion: Motion
    trial: Trial
    trials: tuple[Trial, ...]
    budget: float = BUDGET

    def summary(self) -> str:
        within = (
            "" if self.trial.uncovered <= self.budget else f", over the {self.budget:.1%} budget"
        )
        return (
            f"auto motion: {self.trial.name} at intensity {self.trial.intensity:g} "
            f"(max {self.trial.uncovered:.1%} uncovered{within})"
        )


def uncovered_share(
    motion: Motion,
    depth: np.ndarray,
    photo_size: tuple[int, int],
    photo_focal: float,
    out_size: tuple[int, int],
) -> float:
    """The worst share of the frame a render of `motion` leaves uncovered (before filling)."""
    from depthreel.path import plan_path
    from depthreel.pipeline import crop_to_work
    from depthreel.render.renderer import Renderer

    subject = find_subject(depth)
    depth_range = float(depth.min()), float(depth.max())
    plan = plan_path(motion, subject, depth_range, photo_size, photo_focal, out_size, SAMPLES)
    z = crop_to_work(depth, plan.framing, photo_size, upscale=cv2.INTER_NEAREST)
    layer = Layer(rgb=np.zeros((*z.shape, 3), np.float32), depth=z.astype(np.float32))
    renderer = Renderer([layer], plan.framing.src, plan.framing.out, fill=False)
    worst = 0.0
    for pose in plan.poses:
        view = renderer.render(pose)
        worst = max(worst, float(np.mean(view.coverage < COVERED)))
    return worst


def choose_motion(
    registry: Registry,
    photo: Photo,
    depth: PhotoDepth,
    out_size: tuple[int, int],
    options: dict[str, Any] | None = None,
    budget: float = BUDGET,
) -> AutoChoice:
    """Try the candidate motions on this photo; return the liveliest one within the budget.

    `options` go to every candidate (e.g. loop, easing); an `intensity` among them caps the
    intensities tried.
    """
    from depthreel.pipeline import build_motion

    options = dict(options or {})
    cap = float(options.pop("intensity", 1.0))
    ladder = [i for i in INTENSITIES if i <= cap + 1e-9] or [cap]
    if cap > ladder[0] + 1e-9:
        ladder.insert(0, cap)
    photo_size = (photo.width, photo.height)
    focal = Intrinsics.from_focal_35mm(photo.width, photo.height, photo.focal_35mm).focal
    probe_size = (PROBE_WIDTH, 2 * round(PROBE_WIDTH * out_size[1] / out_size[0] / 2))
    scale = probe_size[0] / out_size[0]
    if scale >= 1:
        probe_size = out_size
    available = [name for name in CANDIDATES if name in registry.names("motion")]
    if not available:
        raise DepthreelError("--motion auto needs at least one built-in motion; none is installed")
    best: list[tuple[Trial, Motion]] = []
    for name in available:
        base = build_motion(registry, name, options)
        trial: Trial | None = None
        index = 0
        while index < len(ladder):
            motion = dataclasses.replace(base, intensity=ladder[index])
            share = uncovered_share(motion, depth.depth, photo_size, focal, probe_size)
            trial = Trial(name, ladder[index], share)
            if share <= budget:
                break
            # Holes grow about linearly with intensity: jump to the rung that should fit.
            target = ladder[index] * budget / max(share, 1e-9)
            fits = [k for k, i in enumerate(ladder) if i <= target and k > index]
            index = fits[0] if fits else index + 1
        assert trial is not None
        best.append((trial, motion))
    within = [(t, m) for t, m in best if t.uncovered <= budget]
    if within:
        trial, motion = max(within, key=lambda tm: tm[0].intensity)  # max keeps the first tie
    else:
        trial, motion = min(best, key=lambda tm: tm[0].uncovered)
    return AutoChoice(motion, trial, tuple(t for t, _ in best), budget)
