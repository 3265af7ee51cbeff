"""Batch throughput: photos per minute for an album of 8 real photos, with 1 and 2 workers.

Run: python benchmarks/bench_batch.py [--workers 1 2] [--preset reels] [--estimator classic]

The album: the four photos in assets/photos plus four photos from skimage.data (the
motorcycle of the stereo pair, the cameraman, the clock and the Hubble deep field), written
as JPEG to a temp folder. Each run is `depthreel batch` in a fresh process into an empty
output folder, so it includes worker start-up; a short warm-up render first fills the Numba
cache so no run pays for JIT compilation. Besides wall time it prints the CPU time the run
used per photo (workers and ffmpeg included) and the load average before the run, since
other work on the machine changes the wall times.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def make_album(folder: Path) -> list[Path]:
    """Eight real photos in `folder`."""
    from PIL import Image
    from skimage import data

    folder.mkdir(parents=True, exist_ok=True)
    for photo in sorted((ROOT / "assets" / "photos").glob("*.jpg")):
        shutil.copy(photo, folder / photo.name)
    extra = {
        "motorcycle": data.stereo_motorcycle()[0],
        "cameraman": data.camera(),
        "clock": data.clock(),
        "hubble": data.hubble_deep_field(),
    }
    for name, pixels in extra.items():
        rgb = np.stack([pixels] * 3, axis=-1) if pixels.ndim == 2 else pixels[..., :3]
        Image.fromarray(rgb).save(folder / f"{name}.jpg", quality=92)
    return sorted(folder.glob("*.jpg"))


def depthreel(*args: object) -> None:
    command = [sys.executable, "-m", "depthreel", *map(str, args)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--preset", default="reels")
    parser.add_argument("--duration", type=float, help="clip length (default: the preset's)")
    parser.add_argument("--estimator", default="classic")
    args = parser.parse_args()
    options = ["--preset", args.preset, "--estimator", args.estimator, "--quiet"]
    if args.duration:
        options += ["--duration", args.duration]
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as scratch:
        album = Path(scratch) / "album"
        photos = make_album(album)
        depthreel(
            "render",
            photos[0],
            "-o",
            Path(scratch) / "warm.mp4",
            "--preset",
            "preview",
            "--duration",
            "0.2",
            "--estimator",
            args.estimator,
            "--quiet",
        )
        print(f"{len(photos)} photos, preset {args.preset}, estimator {args.estimator}")
        for workers in args.workers:
            out = Path(scratch) / f"out-{workers}"
            load = os.getloadavg()[0]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            depthreel("batch", album, "-o", out, *options, "--workers", workers)
            elapsed = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            rate = len(photos) / elapsed * 60
            print(
                f"workers {workers}: {elapsed:6.1f} s, {rate:5.2f} photos/min, "
                f"{cpu / len(photos):5.1f} CPU s per photo (load average before: {load:.1f})"
            )


if __name__ == "__main__":
    main()
