"""Novel-view quality on a real stereo pair: synthesise the right view from the left one.

Uses the Middlebury 2014 "Motorcycle" pair that scikit-image ships (left, right, ground-truth
left disparity; unknown disparities are inf). Prints PSNR and SSIM over the whole image and over
the pixels hidden in the left view (disoccluded), for:

- baseline: a plain forward warp (nearest pixel, z-buffer) with the holes filled by
  cv2.inpaint(INPAINT_TELEA);
- depthreel: `depthreel still left.png --depth disp.npy --depth-kind disparity --offset-x 1`
  (the same code path, called in-process), and its wall time as a separate process.

Run: python benchmarks/bench_stereo.py [--save-figure assets/readme/stereo.jpg]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from skimage import data
from skimage.metrics import peak_signal_noise_ratio, structural_similarity


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


def scores(
    view: np.ndarray, truth: np.ndarray, mask: np.ndarray
) -> tuple[float, float, float, float]:
    """(PSNR, SSIM) over the whole image and over `mask`."""
    whole_psnr = peak_signal_noise_ratio(truth, view, data_range=255)
    masked_psnr = peak_signal_noise_ratio(truth[mask], view[mask], data_range=255)
    _, ssim_map = structural_similarity(truth, view, channel_axis=2, data_range=255, full=True)
    ssim_map = ssim_map.mean(axis=2)
    return whole_psnr, float(ssim_map.mean()), masked_psnr, float(ssim_map[mask].mean())


def ours_in_process(left: np.ndarray, disp: np.ndarray, tmp: Path) -> np.ndarray:
    from depthreel.depth.user_map import load_depth_file
    from depthreel.photo import Photo
    from depthreel.plugins import get_plugin_manager
    from depthreel.registry import Registry
    from depthreel.scene import CameraPose, Intrinsics
    from depthreel.still import render_still

    registry = Registry.from_plugin_manager(get_plugin_manager())
    inpainter = registry.get("inpainter", "diffusion")()
    h, w = disp.shape
    camera = Intrinsics.from_focal_35mm(w, h, None)
    np.save(tmp / "disp.npy", disp)
    depth = load_depth_file(tmp / "disp.npy", "disparity", (h, w), focal=camera.focal)
    photo = Photo(rgb=left.astype(np.float32) / 255, path=tmp / "left.png")
    view, _ = render_still(photo, depth, camera, CameraPose(x=1.0), inpainter)
    return np.clip(view.rgb * 255 + 0.5, 0, 255).astype(np.uint8)


def timed_cli(tmp: Path, left: np.ndarray, runs: int = 3) -> float:
    """Best wall time of the `still` command as a separate process (after a warm-up run)."""
    cv2.imwrite(str(tmp / "left.png"), left[..., ::-1])
    cmd = [
        sys.executable, "-m", "depthreel", "still", str(tmp / "left.png"), "--depth",
        str(tmp / "disp.npy"), "--depth-kind", "disparity", "--offset-x", "1",
        "-o", str(tmp / "right.png"), "--force", "--quiet",
    ]  # fmt: skip
    subprocess.run(cmd, check=True)  # warm-up: compiles and caches the Numba kernels
    best = np.inf
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save-figure", type=Path, help="write a baseline-vs-ours picture")
    args = parser.parse_args()
    left, right, disp = data.stereo_motorcycle()
    mask = disoccluded_mask(disp)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        ours = ours_in_process(left, disp, tmp)
        seconds = timed_cli(tmp, left)
    base = baseline_view(left, disp)
    print(f"Middlebury Motorcycle {left.shape[1]}x{left.shape[0]}, {mask.mean():.1%} disoccluded")
    print(f"{'method':<28}{'PSNR':>8}{'SSIM':>8}{'PSNR disocc':>13}{'SSIM disocc':>13}")
    for label, view in (("forward warp + Telea", base), ("depthreel still (LDI)", ours)):
        p, s, pm, sm = scores(view, right, mask)
        print(f"{label:<28}{p:>8.2f}{s:>8.3f}{pm:>13.2f}{sm:>13.3f}")
    print(f"depthreel still, whole process (best of 3, after compilation): {seconds:.2f} s")
    if args.save_figure:
        save_figure(args.save_figure, left, right, base, ours, mask)


def save_figure(
    path: Path,
    left: np.ndarray,
    right: np.ndarray,
    base: np.ndarray,
    ours: np.ndarray,
    mask: np.ndarray,
) -> None:
    """Crops of truth / baseline / ours around the largest disoccluded region."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), 8)
    interior = stats[1:, cv2.CC_STAT_LEFT] + stats[1:, cv2.CC_STAT_WIDTH] < mask.shape[1] - 80
    areas = np.where(interior, stats[1:, cv2.CC_STAT_AREA], 0)
    k = 1 + int(np.argmax(areas))
    x, y = stats[k, cv2.CC_STAT_LEFT], stats[k, cv2.CC_STAT_TOP]
    cx, cy = x + stats[k, cv2.CC_STAT_WIDTH] // 2, y + stats[k, cv2.CC_STAT_HEIGHT] // 2
    h, w = mask.shape
    x0, y0 = int(np.clip(cx - 90, 0, w - 180)), int(np.clip(cy - 90, 0, h - 180))
    crops = []
    for image in (right, base, ours):
        crop = image[y0 : y0 + 180, x0 : x0 + 180].copy()
        edge = cv2.morphologyEx(
            mask[y0 : y0 + 180, x0 : x0 + 180].astype(np.uint8),
            cv2.MORPH_GRADIENT,
            np.ones((3, 3), np.uint8),
        )
        crop[edge > 0] = (crop[edge > 0] * 0.4 + np.array([255, 255, 0]) * 0.6).astype(np.uint8)
        crops.append(cv2.resize(crop, (360, 360), interpolation=cv2.INTER_NEAREST))
    labels_text = ("right view (truth)", "forward warp + Telea", "depthreel (LDI)")
    for crop, text in zip(crops, labels_text, strict=True):
        cv2.putText(crop, text, (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 2)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.hstack(crops)[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 88])
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
