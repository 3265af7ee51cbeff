"""RGB to BT.709 limited-range yuv420p, the encoder's input: exact values and ffmpeg's own."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from depthreel.video import ffmpeg_exe
from depthreel.yuv import rgb_to_yuv420p


def planes(packed: np.ndarray, h: int, w: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = packed[: h * w].reshape(h, w)
    cb = packed[h * w : h * w * 5 // 4].reshape(h // 2, w // 2)
    cr = packed[h * w * 5 // 4 :].reshape(h // 2, w // 2)
    return y, cb, cr


@pytest.mark.parametrize(
    ("rgb", "expected"),
    [
        ((0, 0, 0), (16, 128, 128)),
        ((1, 1, 1), (235, 128, 128)),
        ((1, 0, 0), (63, 102, 240)),  # BT.709's own figures for the primaries
        ((0, 1, 0), (173, 42, 26)),
        ((0, 0, 1), (32, 240, 118)),
        ((1.7, -0.3, 0.0), (63, 102, 240)),  # out of range: clipped first
    ],
)
def test_flat_colours_give_bt709_limited_range_values(rgb, expected):
    frame = np.empty((4, 6, 3), np.float32)
    frame[:] = rgb
    y, cb, cr = planes(rgb_to_yuv420p(frame), 4, 6)
    assert (y == expected[0]).all() and (cb == expected[1]).all() and (cr == expected[2]).all()


def test_chroma_is_the_mean_of_each_two_by_two_block():
    frame = np.zeros((2, 4, 3), np.float32)
    frame[0, 0] = frame[1, 1] = (1, 0, 0)  # half of the left block red, the right block black
    y, cb, cr = planes(rgb_to_yuv420p(frame), 2, 4)
    assert y.tolist() == [[63, 16, 16, 16], [16, 63, 16, 16]]
    # The mean of the block is (0.5, 0, 0): Cr = 128 + 112 * 0.5 * (1 - 0.2126) / 0.7874.
    assert cr.tolist() == [[184, 128]] and cb.tolist() == [[115, 128]]


def test_uint8_and_float_frames_agree():
    rng = np.random.default_rng(3)
    frame = rng.integers(0, 256, (8, 10, 3), dtype=np.uint8)
    as_float = rgb_to_yuv420p(frame.astype(np.float32) / 255)
    assert np.abs(rgb_to_yuv420p(frame).astype(int) - as_float).max() <= 1


def test_odd_sizes_are_refused():
    with pytest.raises(ValueError, match="even"):
        rgb_to_yuv420p(np.zeros((5, 4, 3), np.float32))


def test_matches_ffmpegs_own_bt709_conversion_of_a_photo():
    from skimage import data

    photo = np.ascontiguousarray(data.astronaut()[:510, :384])
    h, w = photo.shape[:2]
    cmd = [
        ffmpeg_exe(), "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
        "-s", f"{w}x{h}", "-i", "-", "-vf", "scale=out_color_matrix=bt709:out_range=tv",
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-",
    ]  # fmt: skip
    result = subprocess.run(cmd, input=photo.tobytes(), capture_output=True, check=True)
    theirs = np.frombuffer(result.stdout, np.uint8)
    ours = rgb_to_yuv420p(photo)
    diff = np.abs(ours.astype(int) - theirs)
    assert diff[: h * w].max() <= 1  # luma: rounding only
    # Chroma: ffmpeg sites it left of the block's centre; ours is the block's mean.
    assert diff[h * w :].mean() < 0.5 and diff[h * w :].max() <= 8
