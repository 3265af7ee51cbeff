"""Novel-view quality on stereo pairs: synthesise the right view from the left one.

Three sets, each scored by PSNR and SSIM over the whole image and over the pixels hidden in
the left view (disoccluded):

- Middlebury 2014 "Motorcycle", the pair scikit-image ships (left, right, ground-truth left
  disparity; unknown disparities are inf). Disoccluded: right-view pixels no left pixel
  reaches (after far-side filling of unknown disparities), including the band at the right
  border the left camera never saw.
- Synthetic: procedural layered scenes with exact ground truth (synthetic_stereo.py), so the
  hidden background's true texture is known; scores pooled over the scenes.
- Synthetic, soft depth: the same scenes with the disparity blurred (sigma 1.5 px), the soft
  and slightly misplaced steps an estimated depth map has.

Methods: baseline = forward warp (nearest pixel, z-buffer) with holes filled by
cv2.inpaint(INPAINT_TELEA); no LDI = depthreel's renderer on the photo alone (its own
far-biased fill); depthreel = `depthreel still left.png --depth disp.npy --depth-kind
disparity --offset-x 1` (the same code path, in-process). The wall time of `still` as a
separate process on the Motorcycle pair is printed last.

Run: python benchmarks/bench_stereo.py [--save-figure assets/readme/stereo.jpg] [--quick]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from skimage import data
from skimage.metrics import structural_similarity

sys.path.insert(0, str(Path(__file__).parent))
from synthetic_stereo import make_pair

SYNTHETIC_SEEDS = range(6)
SOFT_SIGMA = 1.5

Method = Callable[[np.ndarray, np.ndarray], np.ndarray]


def disoccluded_mask(disp: np.ndarray) -> np.ndarray:
    """Right-view pixels that no left pixel reaches: hidden in the left view.

    Unknown disparities (inf: mostly background the right camera cannot see) are first filled
    from the far side, as the ground truth's holes are. Each left pixel then covers the span
    between its own and its right neighbour's projections x - d when the two lie on one
    surface (disparities within 1 px), so slanted surfaces leave no false cracks.
    """
    from depthreel.imaging import fill_farthest

    known = np.isfinite(disp)
    disp = -fill_farthest(-np.where(known, disp, 0.0), known)
    h, w = disp.shape
    covered = np.zeros((h, w), bool)
    known = np.isfinite(disp)
    for y in range(h):
        d = disp[y]
        for x in range(w):
            if not known[y, x]:
                continue
            a = x - d[x]
            b = a
            if x + 1 < w and known[y, x + 1] and abs(d[x + 1] - d[x]) < 1.0:
                b = x + 1 - d[x + 1]
            lo, hi = int(np.ceil(min(a, b) - 0.5)), int(np.floor(max(a, b) + 0.5))
            lo, hi = max(lo, 0), min(hi, w - 1)
            if lo <= hi:
                covered[y, lo : hi + 1] = True
    return ~covered


def baseline_view(left: np.ndarray, disp: np.ndarray) -> np.ndarray:
    """Nearest-pixel forward warp with a z-buffer (larger disparity wins), holes by Telea."""
    h, w = disp.shape
    out = np.zeros_like(left)
    best = np.full((h, w), -np.inf)
    ys, xs = np.nonzero(np.isfinite(disp))
    d = disp[ys, xs]
    xr = np.round(xs - d).astype(int)
    ok = (xr >= 0) & (xr < w)
    for y, x, xt, dd in zip(ys[ok], xs[ok], xr[ok], d[ok], strict=True):
        if dd > best[y, xt]:
            best[y, xt] = dd
            out[y, xt] = left[y, x]
    holes = (~np.isfinite(best)).astype(np.uint8)
    return cv2.inpaint(out, holes, 3, cv2.INPAINT_TELEA)


def _depth(disp: np.ndarray, tmp: Path) -> tuple[np.ndarray, object]:
    from depthreel.depth.user_map import load_depth_file
    from depthreel.scene import Intrinsics

    h, w = disp.shape
    camera = Intrinsics.from_focal_35mm(w, h, None)
    np.save(tmp / "disp.npy", disp)
    return load_depth_file(tmp / "disp.npy", "disparity", (h, w), focal=camera.focal), camera


INPAINTER = "diffusion"  # --inpainter


def ours_view(left: np.ndarray, disp: np.ndarray) -> np.ndarray:
    """`still --depth-kind disparity --offset-x 1`, in-process."""
    from depthreel.inpaint import get_inpainter
    from depthreel.photo import Photo
    from depthreel.plugins import get_plugin_manager
    from depthreel.registry import Registry
    from depthreel.scene import CameraPose
    from depthreel.still import render_still

    registry = Registry.from_plugin_manager(get_plugin_manager())
    inpainter = get_inpainter(registry, INPAINTER)
    with tempfile.TemporaryDirectory() as name:
        depth, camera = _depth(disp, Path(name))
        photo = Photo(rgb=left.astype(np.float32) / 255, path=Path(name) / "left.png")
        view, _ = render_still(photo, depth, camera, CameraPose(x=1.0), inpainter)  # type: ignore[arg-type]
    return np.clip(view.rgb * 255 + 0.5, 0, 255).astype(np.uint8)


def single_layer_view(left: np.ndarray, disp: np.ndarray) -> np.ndarray:
    """The renderer on the photo alone (no LDI): its own far-biased hole fill."""
    from depthreel.render.renderer import Renderer
    from depthreel.scene import CameraPose, Layer

    with tempfile.TemporaryDirectory() as name:
        depth, camera = _depth(disp, Path(name))
    layer = Layer(left.astype(np.float32) / 255, depth)
    view = Renderer([layer], camera, camera).render(CameraPose(x=1.0))  # type: ignore[arg-type]
    return np.clip(view.rgb * 255 + 0.5, 0, 255).astype(np.uint8)


METHODS: list[tuple[str, Method]] = [
    ("forward warp + Telea", baseline_view),
    ("renderer, no LDI", single_layer_view),
    ("depthreel still (LDI)", ours_view),
]


def score(
    pairs: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]], method: Method
) -> tuple[float, float, float, float, np.ndarray]:
    """(PSNR, SSIM, PSNR disocc, SSIM disocc) pooled over (left, right, disp, mask) pairs."""
    sums = np.zeros(4)  # squared error whole, disoccluded; SSIM sum whole, disoccluded
    counts = np.zeros(2)
    view = np.zeros(0)
    for left, right, disp, mask in pairs:
        view = method(left, disp)
        error = ((view.astype(np.float64) - right) ** 2).mean(axis=2)
        _, ssim = structural_similarity(right, view, channel_axis=2, data_range=255, full=True)
        ssim = ssim.mean(axis=2)
        sums += [error.sum(), error[mask].sum(), ssim.sum(), ssim[mask].sum()]
        counts += [mask.size, mask.sum()]
    mse = sums[:2] / counts
    psnr = 10 * np.log10(255.0**2 / mse)
    return psnr[0], sums[2] / counts[0], psnr[1], sums[3] / counts[1], view


def table(title: str, pairs: list) -> dict[str, np.ndarray]:
    """Print one table; returns each method's view of the last pair."""
    share = np.mean([p[3].mean() for p in pairs])
    print(f"\n{title}, {share:.1%} disoccluded")
    print(f"{'method':<26}{'PSNR':>8}{'SSIM':>8}{'PSNR disocc':>13}{'SSIM disocc':>13}")
    views = {}
    rows = []
    for label, method in METHODS:
        p, s, pm, sm, views[label] = score(pairs, method)
        rows.append((p, s, pm, sm))
        print(f"{label:<26}{p:>8.2f}{s:>8.3f}{pm:>13.2f}{sm:>13.3f}")
    base, ours = rows[0], rows[-1]
    print(
        f"{'margin over baseline':<26}{ours[0] - base[0]:>+8.2f}{ours[1] - base[1]:>+8.3f}"
        f"{ours[2] - base[2]:>+13.2f}{ours[3] - base[3]:>+13.3f}"
    )
    return views


def timed_cli(left: np.ndarray, disp: np.ndarray, runs: int = 3) -> float:
    """Best wall time of the `still` command as a separate process (after a warm-up run)."""
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        cv2.imwrite(str(tmp / "left.png"), left[..., ::-1])
        np.save(tmp / "disp.npy", disp)
        cmd = [
            sys.executable, "-m", "depthreel", "still", str(tmp / "left.png"), "--depth",
            str(tmp / "disp.npy"), "--depth-kind", "disparity", "--offset-x", "1",
            "-o", str(tmp / "right.png"), "--inpainter", INPAINTER, "--force", "--quiet",
        ]  # fmt: skip
        subprocess.run(cmd, check=True)  # warm-up: compiles and caches the Numba kernels
        best = np.inf
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(cmd, check=True)
            best = min(best, time.perf_counter() - start)
    return best


def build_seconds(
    rgb: np.ndarray, depth: np.ndarray, poses: list, runs: int = 3
) -> tuple[float, float]:
    """Best wall and CPU time of build_ldi (after a warm-up that compiles the kernels).

    The CPU time is what a single core spends; on a shared machine the wall time is longer.
    """
    from depthreel.inpaint.diffusion import DiffusionInpainter
    from depthreel.ldi import build_ldi
    from depthreel.scene import Intrinsics

    h, w = depth.shape
    camera = Intrinsics.from_focal_35mm(w, h, None)
    image = rgb.astype(np.float32) / 255
    wall = cpu = np.inf
    for _ in range(runs + 1):
        start, start_cpu = time.perf_counter(), time.process_time()
        build_ldi(image, depth, camera, poses, DiffusionInpainter())
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu


def build_times(left: np.ndarray, disp: np.ndarray) -> None:
    """LDI build time for the still (Motorcycle) and for a clip's working size."""
    from depthreel.imaging import fill_farthest
    from depthreel.scene import CameraPose, Intrinsics

    known = np.isfinite(disp)
    filled = -fill_farthest(-np.where(known, disp, 0.0), known)
    h, w = disp.shape
    focal = Intrinsics.from_focal_35mm(w, h, None).focal
    still = build_seconds(left, focal / filled, [CameraPose(), CameraPose(x=1.0)])
    # A clip: soft (estimated-like) depth, nearest at 1, the camera sweeping sideways by
    # +-0.05 around the subject, 48 sampled poses as the pipeline passes them.
    big = make_pair(7, 1188, 2112)
    soft = cv2.GaussianBlur(big["disp"], (0, 0), 2.0)
    sweep = [CameraPose.looking_at(x=0.05 * np.sin(t), focus=1.0) for t in np.linspace(0, 6.3, 48)]
    clip = build_seconds(big["left"], soft.max() / soft, sweep)
    print(f"LDI build at {left.shape[1]}x{left.shape[0]} (the still): ", end="")
    print(f"{still[0]:.2f} s wall, {still[1]:.2f} s CPU")
    print("LDI build at 1188x2112 (a clip's working size, 48-pose sweep, soft depth): ", end="")
    print(f"{clip[0]:.2f} s wall, {clip[1]:.2f} s CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save-figure", type=Path, help="write a baseline-vs-ours picture")
    parser.add_argument("--quick", action="store_true", help="two synthetic scenes, no timing")
    parser.add_argument(
        "--inpainter",
        default="diffusion",
        help="ours with this inpainter (e.g. lama, if its weights can be fetched)",
    )
    args = parser.parse_args()
    global INPAINTER
    INPAINTER = args.inpainter
    print(f"depthreel's inpainter: {INPAINTER}")
    left, right, disp = data.stereo_motorcycle()
    mask = disoccluded_mask(disp)
    h, w = disp.shape
    views = table(f"Middlebury Motorcycle {w}x{h}", [(left, right, disp, mask)])
    seeds = SYNTHETIC_SEEDS[:2] if args.quick else SYNTHETIC_SEEDS
    scenes = [make_pair(seed) for seed in seeds]
    pairs = [(s["left"], s["right"], s["disp"], s["mask"]) for s in scenes]
    table(f"Synthetic layered scenes (exact depth), {len(pairs)} pairs 640x420", pairs)
    soft = [(a, b, cv2.GaussianBlur(d, (0, 0), SOFT_SIGMA), m) for a, b, d, m in pairs]
    table(f"Synthetic, soft depth (disparity blurred by {SOFT_SIGMA} px)", soft)
    if not args.quick:
        seconds = timed_cli(left, disp)
        print(f"\ndepthreel still on Motorcycle, whole process (best of 3): {seconds:.2f} s")
        build_times(left, disp)
    if args.save_figure:
        save_figure(args.save_figure, right, views, mask)


def save_figure(path: Path, right: np.ndarray, views: dict[str, np.ndarray], mask: np.ndarray):
    """Truth / baseline / ours around the two largest disoccluded regions, the rest dimmed."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), 8)
    interior = stats[1:, cv2.CC_STAT_LEFT] + stats[1:, cv2.CC_STAT_WIDTH] < mask.shape[1] - 80
    order = np.argsort(-np.where(interior, stats[1:, cv2.CC_STAT_AREA], 0))[:2] + 1
    h, w = mask.shape
    size = 160
    rows = []
    for k in order:
        cx = stats[k, cv2.CC_STAT_LEFT] + stats[k, cv2.CC_STAT_WIDTH] // 2
        cy = stats[k, cv2.CC_STAT_TOP] + stats[k, cv2.CC_STAT_HEIGHT] // 2
        x0 = int(np.clip(cx - size // 2, 0, w - size))
        y0 = int(np.clip(cy - size // 2, 0, h - size))
        window = (slice(y0, y0 + size), slice(x0, x0 + size))
        crops = []
        for image in (right, views["forward warp + Telea"], views["depthreel still (LDI)"]):
            crop = image[window].astype(np.float32)
            crop[~mask[window]] *= 0.3
            crop = cv2.resize(crop, (2 * size, 2 * size), interpolation=cv2.INTER_NEAREST)
            crops.append(crop.astype(np.uint8))
        rows.append(np.hstack(crops))
    picture = np.vstack(rows)
    for k, text in enumerate(("right view (truth)", "forward warp + Telea", "depthreel (LDI)")):
        origin = (8 + 2 * size * k, 22)
        cv2.putText(picture, text, origin, cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 4)
        cv2.putText(picture, text, origin, cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 2)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), picture[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 85])
    print(f"wrote {path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
