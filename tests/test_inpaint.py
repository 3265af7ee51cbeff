"""Inpainters: background-only filling, the context contract, and plugging one in by the hook."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

from depthreel import hookimpl
from depthreel.builtins.inpainters import TeleaInpainter
from depthreel.inpaint import Inpainter
from depthreel.inpaint.diffusion import DiffusionInpainter
from depthreel.inpaint.pyramid import far_push_pull
from depthreel.ldi import build_ldi
from depthreel.registry import Registry
from depthreel.scene import CameraPose, Intrinsics

RED, BLUE = np.array([0.9, 0.1, 0.1]), np.array([0.1, 0.2, 0.9])


def gap_scene() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A near red half (left) and a far blue half (right) with a 12 px hole between them."""
    h, w = 40, 60
    rgb = np.empty((h, w, 3), np.float32)
    rgb[:, :30], rgb[:, 30:] = RED, BLUE
    depth = np.where(np.arange(w)[None, :] < 30, 1.0, 5.0) * np.ones((h, 1), np.float32)
    hole = np.zeros((h, w), bool)
    hole[:, 24:36] = True
    rgb[hole], depth[hole] = 0.0, 0.0
    return rgb, depth.astype(np.float32), hole


def test_far_push_pull_fills_from_the_far_side():
    rgb, depth, hole = gap_scene()
    filled, filled_depth = far_push_pull(rgb, depth, (~hole).astype(np.float32))
    assert np.allclose(filled[hole], BLUE, atol=0.02)
    assert np.allclose(filled_depth[hole], 5.0, rtol=0.02)
    assert np.array_equal(filled[~hole], rgb[~hole])  # known pixels keep their values
    plain, _ = far_push_pull(rgb, depth, (~hole).astype(np.float32), tol=np.inf)
    assert plain[hole][:, 0].max() > 0.4  # without the bias, the red side leaks in


@pytest.mark.parametrize("inpainter", [DiffusionInpainter(), TeleaInpainter()])
def test_inpainters_copy_only_from_the_context(inpainter):
    rgb, depth, hole = gap_scene()
    rgb[~hole & (np.arange(60)[None, :] < 30)] = RED
    context = ~hole & (np.arange(60)[None, :] >= 36)  # the blue side only, even for a plain fill
    out_rgb, out_depth = inpainter.inpaint(rgb, depth, hole, context)
    assert out_rgb.shape == rgb.shape and out_depth.shape == depth.shape
    assert np.abs(out_rgb[hole] - BLUE).max() < 0.05
    assert np.abs(out_depth[hole] - 5.0).max() < 0.25
    assert np.array_equal(out_rgb[~hole], rgb[~hole])


class Recorder(Inpainter):
    """A stand-in for a learned inpainter: fills with one colour and records its calls."""

    name: ClassVar[str] = "recorder"
    description: ClassVar[str] = "test stand-in for a learned inpainter"
    calls: ClassVar[list[tuple[np.ndarray, np.ndarray | None]]] = []

    def inpaint(self, rgb, depth, hole, context=None):
        Recorder.calls.append((hole.copy(), None if context is None else context.copy()))
        out = rgb.copy()
        out[hole] = self.options.get("colour", (0.0, 1.0, 0.0))
        return out, depth.copy()


class RecorderPlugin:
    @hookimpl
    def register_inpainters(self, register):
        register(Recorder)


def test_an_inpainter_plugin_fills_what_the_path_reveals(pm):
    pm.register(RecorderPlugin(), name="recorder-plugin")
    registry = Registry.from_plugin_manager(pm)
    assert {"diffusion", "telea", "recorder"} <= set(registry.names("inpainter"))
    inpainter = registry.get("inpainter", "recorder")(colour=(0.0, 1.0, 0.0))
    h, w = 60, 80
    rgb = np.full((h, w, 3), 0.5, np.float32)
    rgb[20:40, 30:50] = RED
    depth = np.full((h, w), 4.0, np.float32)
    depth[20:40, 30:50] = 1.0
    Recorder.calls.clear()
    ldi = build_ldi(rgb, depth, Intrinsics.centered(w, h, 60.0), [CameraPose(x=0.3)], inpainter)
    assert Recorder.calls, "the LDI did not ask the inpainter"
    for hole, context in Recorder.calls:
        assert context is not None and not (hole & context).any()
    ext = ldi.layers[1]
    present = np.isfinite(ext.depth)
    assert present.any()
    # The inpainter's green, blended at the holes' rims with the grey wall around them, and
    # nothing of the red square.
    colours = ext.rgb[present]
    grey, green = np.full(3, 0.5), np.array([0.0, 1.0, 0.0])
    t = np.clip((colours - grey) @ (green - grey) / np.sum((green - grey) ** 2), 0, 1)
    off = colours - (grey + t[:, None] * (green - grey))
    assert np.abs(off).max() < 0.03
    assert np.median(t) > 0.95
