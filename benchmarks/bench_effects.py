"""Effect speed: ms per 1080x1920 frame for each built-in effect, best of N; and --motion auto.

Run: python benchmarks/bench_effects.py [--repeat N]. The frame is a textured background at
depth 6 with a subject at depth 2 and a near strip at depth 1; auto motion runs on a 12 MP
upscale of assets/photos/coffee.jpg with the classic estimator.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from depthreel.builtins.effects import BUILTIN_EFFECTS, DepthOfField
from depthreel.effect import EffectContext

W, H = 1080, 1920
PHOTO = Path(__file__).resolve().parent.parent / "assets" / "photos" / "coffee.jpg"


def scene(near: bool = True) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    rgb = rng.random((H, W, 3), dtype=np.float32)
    depth = np.full((H, W), 6.0, np.float32)
    depth[600:1300, 300:800] = 2.0
    if near:
        depth[1700:, :] = 1.0
    return rgb, depth


def bench_effects(repeat: int) -> None:
    cases = [(cls.name, cls, True) for cls in BUILTIN_EFFECTS]
    cases.append(("dof (no near)", DepthOfField, False))  # nothing before the focus plane
    for name, cls, near in cases:
        rgb, depth = scene(near)
        effect = cls()
        ctx = EffectContext(depth=depth, t=0.5, focus_depth=2.0, frame_index=3)
        effect.apply(rgb, ctx)  # warm-up (Numba compile, caches)
        best = float("inf")
        for i in range(repeat):
            ctx = EffectContext(depth=depth, t=0.5, focus_depth=2.0, frame_index=i)
            t0 = time.perf_counter()
            effect.apply(rgb, ctx)
            best = min(best, time.perf_counter() - t0)
        print(f"{name:<14} {best * 1e3:6.1f} ms/frame")


def bench_auto(repeat: int) -> None:
    import cv2

    from depthreel.automotion import choose_motion
    from depthreel.depthmap import photo_depth
    from depthreel.photo import Photo, load_photo
    from depthreel.plugins import get_plugin_manager
    from depthreel.registry import Registry

    registry = Registry.from_plugin_manager(get_plugin_manager(load_entrypoints=False))
    small = load_photo(PHOTO)
    photo = Photo(cv2.resize(small.rgb, (4000, 3000)), small.path)
    depth = photo_depth(photo, registry, print, "classic")
    choice = choose_motion(registry, photo, depth, (W, H))
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        choice = choose_motion(registry, photo, depth, (W, H))
        best = min(best, time.perf_counter() - t0)
    print(f"auto motion (12 MP photo): {best * 1e3:.0f} ms; {choice.summary()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    bench_effects(args.repeat)
    bench_auto(max(1, args.repeat // 2))


if __name__ == "__main__":
    main()
