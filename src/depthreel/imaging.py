"""Small image operations shared by depth filling, inpainting and the layered depth image."""

from __future__ import annotations

import cv2
import numpy as np


def push_pull(values: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Fill pixels of weight 0 from a pyramid of weighted averages of the others.

    values: (h, w) or (h, w, c) float32; weight: (h, w) float32 >= 0. Known pixels keep their
    value; holes take a smooth average of the nearest known ones, at a cost linear in the
    pixel count however large the holes are.
    """
    h, w = weight.shape
    if weight.min() > 0 or (h <= 1 and w <= 1):
        return values
    small = (max(1, (w + 1) // 2), max(1, (h + 1) // 2))
    wsum = cv2.resize(weight, small, interpolation=cv2.INTER_AREA)
    weighted = values * (weight[..., None] if values.ndim == 3 else weight)
    vsum = cv2.resize(weighted, small, interpolation=cv2.INTER_AREA)
    known = wsum > 1e-8
    safe = np.where(known, wsum, 1.0)
    coarse = vsum / (safe[..., None] if values.ndim == 3 else safe)
    coarse = push_pull(coarse.astype(np.float32), known.astype(np.float32))
    up = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR)
    if up.ndim < values.ndim:
        up = up[..., None]
    keep = weight > 0
    return np.where(keep[..., None] if values.ndim == 3 else keep, values, up).astype(np.float32)


def _last_valid(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Per pixel, the value of the nearest valid pixel on its left in its row (-inf if none)."""
    w = values.shape[1]
    index = np.where(valid, np.arange(w)[None, :], -1)
    index = np.maximum.accumulate(index, axis=1)
    found = np.take_along_axis(values, np.maximum(index, 0), axis=1)
    return np.where(index >= 0, found, -np.inf)


def fill_farthest(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Fill invalid pixels of a depth-like map (larger = farther) from the far side.

    Holes in depth maps are mostly background that a foreground edge hid from the sensor or the
    other camera, so a hole takes the farthest of the nearest valid values to its left, right,
    top and bottom, not an average that would pull the foreground's depth into the background.
    Returns float32; `valid` must not be all False.
    """
    values = np.where(valid, values, -np.inf).astype(np.float32)
    if valid.all():
        return values
    candidates = [
        _last_valid(values, valid),
        _last_valid(values[:, ::-1], valid[:, ::-1])[:, ::-1],
        _last_valid(values.T, valid.T).T,
        _last_valid(values.T[:, ::-1], valid.T[:, ::-1])[:, ::-1].T,
    ]
    farthest = np.max(np.stack(candidates), axis=0)
    return np.where(valid, values, farthest).astype(np.float32)
