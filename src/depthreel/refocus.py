"""Portrait mode: refocus a photo with its depth, or put its subject on another picture.

The blur is depthreel.lens.depth_of_field, the one the `dof` effect uses. Before blurring,
the depth is snapped to the subject's matte: an estimated depth map's edge is soft and a few
pixels off the photo's, which would leave a sharp band of background around the subject (or
blur the subject's rim). Within a band around the matte's edge, the subject side takes the
subject's depth and the other side the background's, each continued from beyond the band.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from depthreel.errors import DepthreelError
from depthreel.matting import composite, foreground_colours, smooth_fill, within

DEFAULT_APERTURE = 0.02  # blur radius of far things as a share of the photo's width
F_NUMBER_SHARE = 0.04  # f/N blurs far things by 0.04 / N of the width: f/2 is the default
SNAP_BAND = 0.02  # depth is re-decided this share of the long side around the matte's edge
FOCUS_WORDS = ("auto", "near", "far")


@dataclass
class Refocused:
    """The refocused image (H, W, 3) float32 and what was chosen for it."""

    rgb: np.ndarray
    focus_depth: float
    radius: float  # px blur of a point at infinity
    background_depth: float


def parse_focus(text: str) -> str | float:
    """'auto', 'near', 'far' or a distance > 0 in the depth map's units."""
    word = text.strip().lower()
    if word in FOCUS_WORDS:
        return word
    try:
        value = float(word)
    except ValueError:
        value = float("nan")
    if not value > 0 or not np.isfinite(value):
        raise DepthreelError(f"--focus must be auto, near, far or a distance > 0, got '{text}'")
    return value


def check_aperture(aperture: float) -> None:
    """A one-line error unless 0 < aperture <= 0.1 (a share of the width)."""
    if not 0 < aperture <= 0.1:
        raise DepthreelError(f"--aperture must be in (0, 0.1] of the width, got {aperture}")


def parse_aperture(text: str) -> float:
    """--aperture as the far blur's share of the width: an f-number or the share itself.

    'f/2.8', 'f2.8' and plain numbers from 0.5 up are f-numbers (a smaller one blurs more,
    F_NUMBER_SHARE / N of the width); plain numbers up to 0.1 are the share.
    """
    word = text.strip().lower()
    f_number = word.startswith("f")
    try:
        value = float(word.removeprefix("f").removeprefix("/"))
    except ValueError:
        value = float("nan")
    if np.isfinite(value) and (f_number or value >= 0.5) and 0.5 <= value <= 64:
        return F_NUMBER_SHARE / value
    if np.isfinite(value) and not f_number and 0 < value <= 0.1:
        return value
    raise DepthreelError(
        f"--aperture must be an f-number (e.g. f/2.8, 0.5 to 64) or a share of the width "
        f"in (0, 0.1], got '{text}'"
    )


def focus_distance(focus: str | float, depth: np.ndarray, alpha: np.ndarray | None) -> float:
    """The focus distance: the subject's (auto), the near or far end, or the given one."""
    if isinstance(focus, float):
        return focus
    if focus == "near":
        return float(np.quantile(depth, 0.02))
    if focus == "far":
        return float(np.quantile(depth, 0.98))
    if alpha is not None and (alpha >= 0.5).any():
        return float(np.median(depth[alpha >= 0.5]))
    from depthreel.subject import find_subject

    return find_subject(depth).focus_depth


def snapped_depth(depth: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """`depth` whose subject edge follows the matte (see the module docstring)."""
    subject = alpha >= 0.5
    if not subject.any() or subject.all():
        return depth.astype(np.float32)
    inner, outer = within(subject, max(2.0, SNAP_BAND * max(depth.shape)))
    inverse = (1.0 / np.maximum(depth, 1e-6)).astype(np.float32)
    front = smooth_fill(inverse, inner) if inner.any() else inverse
    back = smooth_fill(inverse, ~outer) if (~outer).any() else inverse
    band = outer & ~inner
    snapped = np.where(band, np.where(subject, front, back), inverse)
    return (1.0 / np.maximum(snapped, 1e-9)).astype(np.float32)


def cover(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """`image` scaled to cover width x height and centre-cropped (like CSS object-fit)."""
    h, w = image.shape[:2]
    scale = max(width / w, height / h)
    size = (max(width, round(w * scale)), max(height, round(h * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    scaled = cv2.resize(image, size, interpolation=interp)
    top, left = (size[1] - height) // 2, (size[0] - width) // 2
    return np.clip(scaled[top : top + height, left : left + width], 0.0, 1.0).astype(np.float32)


def refocus(
    rgb: np.ndarray,
    depth: np.ndarray,
    focus: str | float,
    aperture: float = DEFAULT_APERTURE,
    alpha: np.ndarray | None = None,
    background: np.ndarray | None = None,
) -> Refocused:
    """Blur `rgb` as a lens focused at `focus` would, or put its subject on `background`.

    aperture: blur radius of far things as a share of the width (as the `dof` effect).
    alpha: the subject's matte (snaps the depth's edge; needed for `background`). With
    focus 'auto' the whole subject is in focus, as in a phone's portrait mode.
    background: another picture (any size: it is scaled to cover the photo); it is blurred as
    if it stood where the photo's background stands (the median depth behind the subject).
    """
    from depthreel.lens import depth_of_field

    check_aperture(aperture)
    h, w = depth.shape
    z = snapped_depth(depth, alpha) if alpha is not None else depth.astype(np.float32)
    focus_depth = focus_distance(focus, z, alpha)
    if focus == "auto" and alpha is not None:
        # Portrait mode: the whole subject is sharp, however deep the depth map thinks it is.
        z = np.where(alpha >= 0.5, focus_depth, z).astype(np.float32)
    radius = aperture * w
    behind = alpha < 0.5 if alpha is not None else np.ones((h, w), bool)
    background_depth = float(np.median(z[behind])) if behind.any() else float(np.median(z))
    image = rgb.astype(np.float32)
    if background is not None:
        if alpha is None or not (alpha >= 0.5).any():
            raise DepthreelError("--background needs a subject, and none stands out")
        fg = foreground_colours(image, alpha)
        image = composite(fg, alpha, cover(background, w, h))
        z = np.where(alpha >= 0.5, z, background_depth).astype(np.float32)
    out = depth_of_field(image, z, focus_depth, radius)
    return Refocused(np.clip(out, 0.0, 1.0), focus_depth, radius, background_depth)
