"""RGB frames to the encoder's own pixel format, BT.709 4:2:0, in one pass.

x264 encodes YUV 4:2:0; given RGB, ffmpeg converts each frame first (swscale, with BT.601
coefficients unless told otherwise, while players read untagged HD video as BT.709). Doing
the conversion here, straight from the renderer's float frame, spares the separate 8-bit
RGB pass and ffmpeg's conversion, halves the bytes through the pipe, and lets the stream be
tagged with the matrix its pixels were made with.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

from depthreel.render.jit import JIT

# BT.709 luma weights and limited ("tv") range: Y in [16, 235], Cb and Cr in [16, 240].
KR, KB = 0.2126, 0.0722
KG = 1.0 - KR - KB


def yuv420p_size(width: int, height: int) -> int:
    """Bytes of one yuv420p frame (even width and height)."""
    return width * height * 3 // 2


@njit(**JIT, inline="always")
def _clip(value: float, top: float) -> float:
    return min(max(value, 0.0), top)


@njit(**JIT, inline="always")
def _sum4(p: float, q: float, r: float, s: float, top: float) -> float:
    """The sum of four samples of a channel, each clipped to [0, top] first."""
    return (
        _clip(np.float32(p), top) + _clip(np.float32(q), top)
        + _clip(np.float32(r), top) + _clip(np.float32(s), top)
    )  # fmt: skip


@njit(**JIT)
def _convert(rgb: np.ndarray, h: int, w: int, scale: float, out: np.ndarray) -> None:
    """Fill out (H*W*3/2,) with the Y plane, then Cb and Cr at half size (2x2 means).

    rgb: the frame flattened. Loops over contiguous columns with unsigned indices, so that
    they vectorise.
    """
    hw, cw = h * w, w // 2
    ky = np.float32(219.0 * scale)
    kb = np.float32(0.25 * 224.0 * scale / (2.0 * (1.0 - KB)))
    kr = np.float32(0.25 * 224.0 * scale / (2.0 * (1.0 - KR)))
    top = np.float32(1.0 / scale)
    wr, wg, wb = np.float32(KR), np.float32(KG), np.float32(KB)
    half = np.float32(16.5)
    for p in range(uint64(hw)):
        r = _clip(np.float32(rgb[3 * p]), top)
        g = _clip(np.float32(rgb[3 * p + uint64(1)]), top)
        b = _clip(np.float32(rgb[3 * p + uint64(2)]), top)
        out[p] = np.uint8(half + ky * (wr * r + wg * g + wb * b))
    mid = np.float32(128.5)
    for i in range(uint64(h // 2)):
        up = uint64(6 * i * w)
        dn = up + uint64(3 * w)
        base = uint64(hw) + i * uint64(cw)
        for k in range(uint64(cw)):
            a = up + uint64(6) * k  # the block's top left pixel
            c = dn + uint64(6) * k  # its bottom left
            a3, c3 = a + uint64(3), c + uint64(3)  # their right neighbours
            sr = _sum4(rgb[a], rgb[a3], rgb[c], rgb[c3], top)
            a, a3, c, c3 = a + uint64(1), a3 + uint64(1), c + uint64(1), c3 + uint64(1)
            sg = _sum4(rgb[a], rgb[a3], rgb[c], rgb[c3], top)
            a, a3, c, c3 = a + uint64(1), a3 + uint64(1), c + uint64(1), c3 + uint64(1)
            sb = _sum4(rgb[a], rgb[a3], rgb[c], rgb[c3], top)
            y = wr * sr + wg * sg + wb * sb  # four pixels' luma, unscaled
            out[base + k] = np.uint8(mid + kb * (sb - y))
            out[base + uint64(hw // 4) + k] = np.uint8(mid + kr * (sr - y))


def rgb_to_yuv420p(frame: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """An (H, W, 3) RGB frame (float in [0, 1], clipped, or uint8) as packed yuv420p bytes.

    BT.709, limited range, chroma the mean of each 2x2 block; H and W must be even.
    """
    h, w = frame.shape[:2]
    if frame.ndim != 3 or frame.shape[2] != 3 or h % 2 or w % 2:
        raise ValueError(f"yuv420p needs an (even H, even W, 3) frame, got {frame.shape}")
    if frame.dtype == np.uint8:
        scale = 1.0 / 255.0
    elif frame.dtype == np.float32:
        scale = 1.0
    else:
        frame, scale = frame.astype(np.float32), 1.0
    if out is None:
        out = np.empty(yuv420p_size(w, h), np.uint8)
    _convert(np.ascontiguousarray(frame).reshape(-1), h, w, scale, out)
    return out
