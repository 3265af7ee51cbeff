"""Photo loading: seconds and peak memory to load a 24 MP photo, per format, best of N.

Run: python benchmarks/bench_load.py [--repeat N] [--formats jpeg,heic,...]. Each format is
loaded in a fresh process so that its peak resident memory (VmHWM) is its own; the
figure includes the Python, NumPy and Pillow baseline, printed on its own as "baseline".
The photos are synthetic 6000x4000 gradients with noise, written once into a temp folder.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

WIDTH, HEIGHT = 6000, 4000

CHILD = """
import json, sys, time
import depthreel.colour, depthreel.decode, depthreel.exif
from depthreel.photo import load_photo, register_formats
register_formats()
best = 0.0
if sys.argv[1] != "-":
    best = float("inf")
    for _ in range(int(sys.argv[2])):
        start = time.perf_counter()
        photo = load_photo(sys.argv[1])
        best = min(best, time.perf_counter() - start)
        del photo
status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
print(json.dumps({"seconds": best, "peak_mb": int(status) / 1024}))
"""


def make_photos(folder: Path, formats: list[str]) -> dict[str, Path]:
    """Write the test photo in each format (HEIC and AVIF encoding take a while)."""
    import cv2
    from PIL import Image

    from depthreel.photo import register_formats

    register_formats()
    rng = np.random.default_rng(0)
    x = np.linspace(0, 1, WIDTH, dtype=np.float32)[None, :]
    y = np.linspace(0, 1, HEIGHT, dtype=np.float32)[:, None]
    base = np.stack([x + 0 * y, y + 0 * x, (1 - x) * y], axis=-1)
    base += 0.05 * rng.random(base.shape, dtype=np.float32)
    rgb8 = np.clip(base * 255, 0, 255).astype(np.uint8)
    paths: dict[str, Path] = {}
    for fmt in formats:
        path = folder / f"photo.{fmt}"
        if fmt == "jpeg-p3":  # a Display P3 profile: the LittleCMS conversion is timed too
            from depthreel.colour import rgb_profile

            p3 = rgb_profile([0.680, 0.320, 0.265, 0.690, 0.150, 0.060], (0.3127, 0.3290))
            path = folder / "photo-p3.jpg"
            Image.fromarray(rgb8).save(path, quality=92, icc_profile=p3)
        elif fmt == "png16":
            path = folder / "photo16.png"
            cv2.imwrite(str(path), np.clip(base * 65535, 0, 65535).astype(np.uint16)[..., ::-1])
        else:
            options = {"jpeg": {"quality": 92}, "heic": {"quality": 80}, "avif": {"quality": 70}}
            Image.fromarray(rgb8).save(path, **options.get(fmt, {}))
        paths[fmt] = path
    return paths


def measure(path: Path | None, repeat: int) -> dict[str, float]:
    args = [sys.executable, "-c", CHILD, str(path) if path else "-", str(repeat)]
    result = subprocess.run(args, capture_output=True, text=True, check=True)
    return dict(json.loads(result.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", default="jpeg,jpeg-p3,heic,png,png16,webp")
    options = parser.parse_args()
    formats = [f.strip() for f in options.formats.split(",") if f.strip()]
    with tempfile.TemporaryDirectory() as folder:
        paths = make_photos(Path(folder), formats)
        base = measure(None, 1)
        print(f"{'baseline':>8}: peak {base['peak_mb']:.0f} MB")
        for fmt, path in paths.items():
            found = measure(path, options.repeat)
            size = path.stat().st_size / 1e6
            print(
                f"{fmt:>8}: {found['seconds']:.2f} s, peak {found['peak_mb']:.0f} MB "
                f"({WIDTH}x{HEIGHT}, file {size:.1f} MB)"
            )


if __name__ == "__main__":
    main()
