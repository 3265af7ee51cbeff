"""x264 speed against quality on depthreel's own frames: which -preset and CRF the presets use.

For two clips (coffee.jpg pushed in, astronaut.jpg circled; 5 s, 1080x1920, 30 fps) the frames
are rendered once to raw RGB, then encoded with each x264 setting; printed: encoder CPU per
frame, file size, and PSNR and SSIM of the decoded clip against the raw frames.
Run: python benchmarks/bench_encoder.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_clip import ROOT, prepared, timed_cpu

SETTINGS = [
    ("medium", 20), ("fast", 20), ("faster", 19), ("veryfast", 18), ("veryfast", 19),
    ("superfast", 16), ("superfast", 17),
]  # fmt: skip
CLIPS = [("coffee.jpg", "dolly"), ("astronaut.jpg", "circle")]


def raw_frames(photo: Path, motion: str, out: Path) -> int:
    """Render the clip's frames (vignette on) to a raw rgb24 file; return the frame count."""
    from depthreel.frames import FrameRenderer

    scene, _, registry = prepared(photo, 5.0, motion_name=motion)
    frames = FrameRenderer(scene, [registry.get("effect", "vignette")()])
    with open(out, "wb") as handle:
        for index in range(frames.count):
            handle.write(frames.frame(index).tobytes())
    return frames.count


def quality(ffmpeg: str, clip: Path, raw_input: list[str], metric: str) -> float:
    """PSNR (dB) or SSIM of `clip` against the raw frames, from ffmpeg's own filter."""
    graph = f"[0:v]format=rgb24[a];[a][1:v]{metric}"
    cmd = [ffmpeg, "-hide_banner", "-i", str(clip), *raw_input, "-lavfi", graph, "-f", "null", "-"]
    log = subprocess.run(cmd, capture_output=True, text=True, check=True).stderr
    line = [row for row in log.splitlines() if metric.upper() in row][-1]
    key = "average:" if metric == "psnr" else "All:"
    return float(line.split(key)[1].split()[0])


def main() -> None:
    from depthreel.video import ffmpeg_exe

    ffmpeg = ffmpeg_exe()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        for photo, motion in CLIPS:
            raw = tmp / "frames.rgb"
            count = raw_frames(ROOT / "assets" / "photos" / photo, motion, raw)
            raw_input = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "1080x1920", "-r", "30"]
            raw_input += ["-i", str(raw)]
            print(f"{photo}, {motion}, {count} frames 1080x1920:")
            for preset, crf in SETTINGS:
                clip = tmp / f"{preset}-{crf}.mp4"
                cmd = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", *raw_input]
                cmd += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", preset]
                cmd += ["-crf", str(crf), str(clip)]
                wall, cpu = timed_cpu(cmd)
                psnr = quality(ffmpeg, clip, raw_input, "psnr")
                ssim = quality(ffmpeg, clip, raw_input, "ssim")
                print(
                    f"  {preset:>8} crf {crf}: {1e3 * cpu / count:4.0f} ms CPU a frame "
                    f"({wall:.2f} s wall), {clip.stat().st_size / 1e6:.2f} MB, "
                    f"PSNR {psnr:.2f} dB, SSIM {ssim:.4f}"
                )


if __name__ == "__main__":
    main()
