"""Renderer speed: ms per 1080x1920 frame from a 1188x2112 source (10 % margin), best of N.

Run: python benchmarks/bench_render.py [--repeat N]. Scenes are synthetic: a textured slanted
background plane, plus (two-layer case) a soft-edged foreground disc with its own layer.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from depthreel.render import Renderer, View
from depthreel.scene import CameraPose, Intrinsics, Layer

OUT_W, OUT_H = 1080, 1920
SRC_W, SRC_H = 1188, 2112


def make_layers(two: bool) -> tuple[list[Layer], Intrinsics, Intrinsics]:
    """A textured background (depth 3..5 top to bottom) and optionally a foreground disc."""
    rng = np.random.default_rng(0)
    src = Intrinsics.from_focal_35mm(SRC_W, SRC_H, 28.0)
    margin_x, margin_y = (SRC_W - OUT_W) / 2, (SRC_H - OUT_H) / 2
    out = Intrinsics(src.focal, src.cx - margin_x, src.cy - margin_y, OUT_W, OUT_H)
    yy, xx = np.mgrid[0:SRC_H, 0:SRC_W].astype(np.float32)
    rgb = np.stack([(xx // 16 + yy // 16) % 2, xx / SRC_W, yy / SRC_H], axis=-1).astype(np.float32)
    rgb += 0.1 * rng.random(rgb.shape, dtype=np.float32)
    bg_depth = (5.0 - 2.0 * yy / SRC_H).astype(np.float32)
    layers = [Layer(np.clip(rgb, 0, 1), bg_depth)]
    if two:
        r = np.hypot(xx - SRC_W / 2, yy - SRC_H / 2)
        alpha = np.clip((400.0 - r) / 3.0, 0.0, 1.0).astype(np.float32)
        fg_depth = np.where(alpha > 0, 1.5, np.nan).astype(np.float32)
        fg_rgb = np.broadcast_to(np.array([0.9, 0.3, 0.2], np.float32), rgb.shape).copy()
        layers.append(Layer(fg_rgb, fg_depth, alpha))
    return layers, src, out


def bench(renderer: Renderer, poses: list[CameraPose], repeat: int, into: View | None) -> float:
    """Best-of-`repeat` mean ms/frame over `poses` (after one warm-up frame)."""
    renderer.render(poses[0], into)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for pose in poses:
            renderer.render(pose, into)
        best = min(best, (time.perf_counter() - t0) / len(poses))
    return best * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--frames", type=int, default=4)
    args = parser.parse_args()
    n = args.frames
    motions = {
        "sideways": [CameraPose(x=0.15 * k / n) for k in range(1, n + 1)],
        "push-in": [CameraPose(z=0.3 * k / n, zoom=1.0 + 0.1 * k / n) for k in range(1, n + 1)],
    }
    for two in (False, True):
        layers, src, out = make_layers(two)
        renderer = Renderer(layers, src, out)
        into = View.empty(OUT_H, OUT_W)
        for name, poses in motions.items():
            ms = bench(renderer, poses, args.repeat, into)
            ms_new = bench(renderer, poses[:1], args.repeat, None)
            label = f"{'two layers' if two else 'one layer '} {name:8s}"
            print(f"{label}: {ms:6.1f} ms/frame (reused View)  {ms_new:6.1f} ms (new arrays)")


if __name__ == "__main__":
    main()
