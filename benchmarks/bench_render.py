"""Renderer speed: ms per 1080x1920 frame from a 1188x2112 source (10 % margin), best of N.

Run: python benchmarks/bench_render.py [--repeat N] [--photo assets/photos/coffee.jpg]

Prints, per scene and motion, the wall time and the rendering thread's CPU time per frame
(the figure that matters on two cores shared with the encoder). Synthetic scenes:

- one layer: a textured background receding from depth 3 (bottom) to 5 (top);
- two layers, like a layered depth image: the photo layer (that background with a near disc
  in front, its rim a soft alpha band) and a sparse extension layer (the background hidden
  behind the disc, ~20 % of the samples).

With --photo, also the layers that `depthreel render` builds for that photo (classic depth
estimator, reels preset, circle motion), rendered along its own camera path.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from depthreel.render import Renderer, View
from depthreel.scene import CameraPose, Intrinsics, Layer

OUT_W, OUT_H = 1080, 1920
SRC_W, SRC_H = 1188, 2112


def make_layers(two: bool) -> tuple[list[Layer], Intrinsics, Intrinsics]:
    """The synthetic scene: one layer, or a photo layer with a near disc plus its extension."""
    rng = np.random.default_rng(0)
    src = Intrinsics.from_focal_35mm(SRC_W, SRC_H, 28.0)
    margin_x, margin_y = (SRC_W - OUT_W) / 2, (SRC_H - OUT_H) / 2
    out = Intrinsics(src.focal, src.cx - margin_x, src.cy - margin_y, OUT_W, OUT_H)
    yy, xx = np.mgrid[0:SRC_H, 0:SRC_W].astype(np.float32)
    rgb = np.stack([(xx // 16 + yy // 16) % 2, xx / SRC_W, yy / SRC_H], axis=-1).astype(np.float32)
    rgb = np.clip(rgb + 0.1 * rng.random(rgb.shape, dtype=np.float32), 0, 1)
    bg_depth = (5.0 - 2.0 * yy / SRC_H).astype(np.float32)
    if not two:
        return [Layer(rgb, bg_depth)], src, out
    r = np.hypot(xx - SRC_W / 2, yy - SRC_H / 2)
    disc = r < 400
    photo_rgb = np.where(disc[..., None], np.float32([0.9, 0.3, 0.2]), rgb)
    photo_depth = np.where(disc, 1.5, bg_depth).astype(np.float32)
    alpha = np.where(disc, np.clip((400.0 - r) / 3.0, 0.3, 1.0), 1.0).astype(np.float32)
    extension_depth = np.where(disc, bg_depth, np.nan).astype(np.float32)
    return [Layer(photo_rgb, photo_depth, alpha), Layer(rgb, extension_depth)], src, out


def bench(renderer: Renderer, poses: list[CameraPose], repeat: int) -> tuple[float, float]:
    """Best-of-`repeat` (wall, thread CPU) ms/frame over `poses`, after a warm-up frame."""
    into = View.empty(renderer.out.height, renderer.out.width)
    renderer.render(poses[0], into)
    wall = cpu = float("inf")
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.thread_time()
        for pose in poses:
            renderer.render(pose, into)
        wall = min(wall, (time.perf_counter() - w0) / len(poses))
        cpu = min(cpu, (time.thread_time() - c0) / len(poses))
    return wall * 1e3, cpu * 1e3


def photo_scene(photo: Path) -> tuple[Renderer, list[CameraPose]]:
    """The renderer and camera path `depthreel render --preset reels` uses for `photo`."""
    from depthreel.depthmap import photo_depth
    from depthreel.photo import load_photo
    from depthreel.pipeline import build_motion, prepare_scene
    from depthreel.plugins import get_plugin_manager
    from depthreel.registry import Registry

    registry = Registry.from_plugin_manager(get_plugin_manager())
    preset = registry.get("preset", "reels").with_overrides(duration=2.0)
    image = load_photo(photo)
    depth = photo_depth(image, registry, lambda _: None, estimator="classic")
    motion = build_motion(registry, "circle", {})
    inpainter = registry.get("inpainter", "diffusion")()
    size = (preset.width, preset.height)
    scene = prepare_scene(image, depth, motion, size, preset.frame_count, inpainter)
    return Renderer(scene.layers, scene.camera, scene.framing.out), list(scene.poses[::6])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--frames", type=int, default=4)
    parser.add_argument("--photo", type=Path, help="also time the LDI of this photo")
    args = parser.parse_args()
    n = args.frames
    motions = {
        "sideways": [CameraPose(x=0.15 * k / n) for k in range(1, n + 1)],
        "push-in": [CameraPose(z=0.3 * k / n, zoom=1.0 + 0.1 * k / n) for k in range(1, n + 1)],
    }
    print(f"{'scene':<28}{'wall ms':>9}{'CPU ms':>9}")
    for two in (False, True):
        layers, src, out = make_layers(two)
        renderer = Renderer(layers, src, out)
        for name, poses in motions.items():
            wall, cpu = bench(renderer, poses, args.repeat)
            label = f"{'two layers' if two else 'one layer'}, {name}"
            print(f"{label:<28}{wall:>9.1f}{cpu:>9.1f}")
    if args.photo:
        renderer, poses = photo_scene(args.photo)
        wall, cpu = bench(renderer, poses, max(1, args.repeat // 2))
        print(f"{args.photo.name + ' LDI, circle':<28}{wall:>9.1f}{cpu:>9.1f}")


if __name__ == "__main__":
    main()
