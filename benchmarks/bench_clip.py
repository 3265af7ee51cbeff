"""Speed and memory of whole clips on this machine: the figures of the README's Performance table.

Measures, each in its own way (run: python benchmarks/bench_clip.py [--quick]):

1. frames: render + encode throughput of a 5 s 1080x1920 30 fps clip after depth is known
   (layered depth image, default fill, one effect), and the time ffmpeg alone takes to encode
   the same frames with the same settings, measured in the same run; their ratio.
2. end to end: `depthreel render` of a 12-megapixel photo at the reels preset, 6 s, classic
   estimator, as a separate process (start-up and Numba's cached kernels included).
3. start-up: `depthreel --help`.
4. depth model: one inference of Depth Anything V2 Small's architecture (random weights) at
   its default input size, with and without the usual CPU tricks.
5. memory: peak RSS of `depthreel render` of a 24-megapixel photo at the reels preset.
6. scaling: ms per frame against output pixels and against the photo's pixels.
7. stages: where the time of a render goes (decode, depth, layers, render, effects, encode).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PHOTO = ROOT / "assets" / "photos" / "coffee.jpg"


def make_photo(path: Path, width: int, height: int) -> Path:
    """A large test photo: a real photo enlarged with Lanczos plus a little sensor-like noise."""
    image = cv2.imread(str(PHOTO))
    big = cv2.resize(image, (width, height), interpolation=cv2.INTER_LANCZOS4)
    noise = np.random.default_rng(0).normal(0, 3, big.shape)
    big = np.clip(big + noise, 0, 255).astype(np.uint8)
    cv2.imwrite(str(path), big, [cv2.IMWRITE_JPEG_QUALITY, 92])
    return path


def depthreel(*args: str) -> list[str]:
    return [sys.executable, "-m", "depthreel", *args]


def timed(cmd: list[str]) -> float:
    return timed_cpu(cmd)[0]


def timed_cpu(cmd: list[str]) -> tuple[float, float]:
    """Run `cmd`; its wall time and CPU time (user + system, its children included), in s."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def prepared(  # type: ignore[no-untyped-def]
    photo: Path,
    duration: float,
    preset_name: str = "reels",
    motion_name: str = "dolly",
    stages: dict[str, float] | None = None,
):
    """The scene of `photo` ready to render (depth, framing, layers), and the preset.

    dolly is the default motion; circle needs the widest margin (the most source pixels).
    `stages`, when given, gets the seconds of decode, depth and layers.
    """
    from depthreel.depthmap import photo_depth
    from depthreel.photo import load_photo
    from depthreel.pipeline import build_motion, prepare_scene
    from depthreel.plugins import get_plugin_manager
    from depthreel.registry import Registry

    registry = Registry.from_plugin_manager(get_plugin_manager())
    preset = registry.get("preset", preset_name).with_overrides(duration=duration)
    times = stages if stages is not None else {}
    mark = time.perf_counter()
    image = load_photo(photo)
    times["decode_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    depth = photo_depth(image, registry, lambda _: None, estimator="classic")
    times["depth_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    motion = build_motion(registry, motion_name, {})
    inpainter = registry.get("inpainter", "diffusion")()
    scene = prepare_scene(
        image, depth, motion, (preset.width, preset.height), preset.frame_count, inpainter
    )
    times["layers_s"] = time.perf_counter() - mark
    return scene, preset, registry


def bench_frames(photo: Path, duration: float, motion: str = "dolly") -> dict[str, float]:
    """Render + encode vs ffmpeg alone on the same frames, same settings."""
    from depthreel.frames import FrameRenderer, ordered_frames
    from depthreel.video import (
        ThreadedWriter,
        VideoWriter,
        encoder_args,
        ffmpeg_exe,
        input_format,
        raw_input_args,
    )

    scene, preset, registry = prepared(photo, duration, motion_name=motion)
    effects = [registry.get("effect", "vignette")()]
    # Frames in the form the writer takes them (packed yuv420p for the H.264 presets).
    fmt = input_format(preset, preset.width, preset.height)
    frames = FrameRenderer(scene, effects, pixel_format=fmt)
    frames.frame(0)  # warm-up: JIT-compiled kernels loaded, buffers touched
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        start = time.perf_counter()
        with (
            VideoWriter(tmp / "clip.mp4", preset.width, preset.height, preset) as video,
            ThreadedWriter(video) as sink,
        ):
            for image in ordered_frames(frames):
                sink.put(image)
        pipeline = time.perf_counter() - start
        raw = tmp / "frames.raw"
        with open(raw, "wb") as handle:
            for index in range(frames.count):
                handle.write(frames.frame(index).tobytes())
        render_only, render_cpu = time.perf_counter(), time.process_time()
        for _ in ordered_frames(frames):
            pass
        render_only = time.perf_counter() - render_only
        render_cpu = time.process_time() - render_cpu  # all render threads
        cmd = [
            ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
            *raw_input_args(fmt, preset.width, preset.height, preset.fps),
            "-i", str(raw), "-an", *encoder_args(preset, fmt), str(tmp / "alone.mp4"),
        ]  # fmt: skip
        os.sync()
        encode_alone, encode_cpu = timed_cpu(cmd)
    n = frames.count
    return {
        "frames": n,
        "pipeline_s": pipeline,
        "pipeline_fps": n / pipeline,
        "render_only_s": render_only,
        "render_cpu_s": render_cpu,
        "ffmpeg_alone_s": encode_alone,
        "ffmpeg_cpu_s": encode_cpu,
        "ratio": pipeline / encode_alone,
    }


def cpu_budget(frames: dict[str, float], cores: int | None = None, fps: float = 30.0) -> str:
    """What the measured CPU work allows on these cores, and what the targets would need.

    Rendering and encoding share the cores, so with both busy a clip's frames take about
    frames x (render CPU + encoder CPU) / cores, however well the two overlap: only less
    CPU work makes them faster. Each CPU figure is measured alone (render, then ffmpeg),
    so the estimate is within a few percent of the pipeline, either side.

    Both targets at once, whatever the encoder's settings: a slower encoder leaves the
    renderer more room under the ratio but less under the frame rate. With the encoder
    using `parallel` of the cores when alone (as measured), the ratio needs
    render <= E (1.3 cores / parallel - 1) and the rate render <= 1000 cores / fps - E;
    the best E makes them equal.
    """
    cores = cores or os.cpu_count() or 1
    n = frames["frames"]
    render_ms, encode_ms = 1e3 * frames["render_cpu_s"] / n, 1e3 * frames["ffmpeg_cpu_s"] / n
    bound_s = n * (render_ms + encode_ms) / 1e3 / cores
    for_fps = 1e3 * cores / fps - encode_ms
    for_ratio = 1e3 * 1.3 * frames["ffmpeg_alone_s"] * cores / n - encode_ms
    parallel = frames["ffmpeg_cpu_s"] / frames["ffmpeg_alone_s"]
    best_encode = (1e3 * cores / fps) / (1.3 * cores / parallel)
    for_both = 1e3 * cores / fps - best_encode
    return (
        f"CPU a frame: render {render_ms:.0f} ms + encoder {encode_ms:.0f} ms, so on {cores} "
        f"cores about {bound_s:.2f} s = {n / bound_s:.1f} fps, ratio "
        f"{bound_s / frames['ffmpeg_alone_s']:.2f}; {fps:.0f} fps needs render <= "
        f"{for_fps:.0f} ms, ratio 1.3 needs <= {for_ratio:.0f} ms; both, with any encoder "
        f"settings (x264 alone uses {parallel:.2f} cores), need <= {for_both:.0f} ms"
    )


def bench_profile(photo: Path, duration: float) -> dict[str, float]:
    """Where the time goes, stage by stage, on one thread (encode: ffmpeg alone, per frame).

    Whole-photo stages in seconds (decode, depth, layers = framing + LDI), per-frame stages
    in milliseconds of one thread (render, effects, conversion to the encoder's yuv420p, encode).
    """
    from depthreel.effect import EffectContext
    from depthreel.render.renderer import Renderer, View
    from depthreel.yuv import rgb_to_yuv420p

    out: dict[str, float] = {}
    scene, _, registry = prepared(photo, duration, stages=out)
    renderer = Renderer(scene.layers, scene.camera, scene.framing.out)
    buffers = View.empty(scene.framing.out.height, scene.framing.out.width)
    effect = registry.get("effect", "vignette")()
    renderer.render(scene.poses[0], into=buffers)  # warm-up
    stage = {"render": 0.0, "effects": 0.0, "yuv420p": 0.0}
    for index, pose in enumerate(scene.poses):
        mark = time.perf_counter()
        view = renderer.render(pose, into=buffers)
        stage["render"] += time.perf_counter() - mark
        mark = time.perf_counter()
        ctx = EffectContext(depth=view.depth, t=index / len(scene.poses), focus_depth=1.0)
        frame = effect.apply(view.rgb, ctx)
        stage["effects"] += time.perf_counter() - mark
        mark = time.perf_counter()
        rgb_to_yuv420p(frame)  # the 8-bit frame the encoder takes
        stage["yuv420p"] += time.perf_counter() - mark
    for name, seconds in stage.items():
        out[f"{name}_ms"] = 1e3 * seconds / len(scene.poses)
    return out


def bench_end_to_end(photo: Path, duration: float, out: Path) -> float:
    cmd = depthreel(
        "render", str(photo), "-o", str(out), "--preset", "reels", "--duration", str(duration),
        "--estimator", "classic", "--no-cache", "--force", "--quiet",
    )  # fmt: skip
    subprocess.run(cmd, check=True)  # warm-up: compiles and caches the Numba kernels once
    return min(timed(cmd) for _ in range(2))


def bench_help() -> float:
    return min(timed(depthreel("--help")) for _ in range(5))


def bench_depth_model() -> dict[str, float]:
    """Depth Anything V2 Small (random weights) at 518x518: plain, then with CPU options."""
    import torch
    from transformers import DepthAnythingConfig, DepthAnythingForDepthEstimation

    torch.manual_seed(0)
    model = DepthAnythingForDepthEstimation(DepthAnythingConfig()).eval()
    pixels = torch.rand(1, 3, 518, 518)
    results = {}

    def best(fn, runs: int = 3) -> float:  # type: ignore[no-untyped-def]
        fn()
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times)

    torch.set_num_threads(os.cpu_count() or 2)
    with torch.inference_mode():
        best(lambda: model(pixel_values=pixels))  # first run: allocations and kernel choice
    cl = model.to(memory_format=torch.channels_last)
    for _ in range(2):  # two rounds, keeping the best, so no variant gains from going later
        with torch.no_grad():
            t = best(lambda: model(pixel_values=pixels))
        results["no_grad"] = min(results.get("no_grad", t), t)
        with torch.inference_mode():
            t = best(lambda: model(pixel_values=pixels))
            results["inference_mode"] = min(results.get("inference_mode", t), t)
            t = best(lambda: cl(pixel_values=pixels.to(memory_format=torch.channels_last)))
            results["channels_last"] = min(results.get("channels_last", t), t)
            with torch.autocast("cpu", dtype=torch.bfloat16):
                t = best(lambda: model(pixel_values=pixels))
            results["bf16_autocast"] = min(results.get("bf16_autocast", t), t)
    torch.set_num_threads(1)
    with torch.inference_mode():
        results["one_thread"] = best(lambda: model(pixel_values=pixels), runs=1)
    return results


def bench_memory(photo: Path, out: Path) -> float:
    """Peak RSS (MB) of a render of `photo` at the reels preset, in a fresh process.

    A process's peak RSS survives fork and exec, so a child forked from this (large) benchmark
    process would report this process's size; a small launcher process starts the render and
    reports that one child's peak through os.wait4.
    """
    cmd = depthreel(
        "render", str(photo), "-o", str(out), "--preset", "reels", "--duration", "2",
        "--estimator", "classic", "--no-cache", "--force", "--quiet",
    )  # fmt: skip
    launcher = (
        "import os, subprocess, sys\n"
        "proc = subprocess.Popen(sys.argv[1:])\n"
        "_, status, usage = os.wait4(proc.pid, 0)\n"
        "print(usage.ru_maxrss)\n"
        "sys.exit(os.waitstatus_to_exitcode(status))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", launcher, *cmd], check=True, capture_output=True, text=True
    )
    return int(result.stdout.split()[-1]) / 1024


def bench_scaling(photos: dict[str, Path]) -> list[tuple[str, str, float]]:
    """ms per rendered frame (no encoding) for output sizes and photo sizes."""
    from depthreel.frames import FrameRenderer

    rows = []
    for label, photo in photos.items():
        for preset_name in ("preview", "reels"):
            scene, preset, _ = prepared(photo, 1.0, preset_name)
            frames = FrameRenderer(scene, [])
            frames.frame(0)
            start = time.perf_counter()
            for index in range(frames.count):
                frames.frame(index)
            ms = (time.perf_counter() - start) / frames.count * 1e3
            rows.append((label, f"{preset.width}x{preset.height}", ms))
    return rows


def bench_stages(photo: Path, out: Path) -> dict[str, float]:
    from depthreel.pipeline import RenderSettings, render_clip
    from depthreel.plugins import get_plugin_manager
    from depthreel.registry import Registry

    registry = Registry.from_plugin_manager(get_plugin_manager())
    settings = RenderSettings(
        estimator="classic", effects=[("vignette", {})], duration=6.0, no_cache=True
    )
    report = render_clip(photo, out, settings, registry, lambda _: None, force=True)
    return report.timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the slow measurements")
    args = parser.parse_args()
    print(f"depthreel benchmarks, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        mp12 = make_photo(tmp / "photo12mp.jpg", 4000, 3000)
        for motion in ("dolly", "circle"):
            frames = bench_frames(mp12, 5.0, motion)
            print(
                f"frames (5 s 1080x1920 30 fps, {motion}, LDI + fill + vignette): "
                f"{frames['pipeline_s']:.2f} s = {frames['pipeline_fps']:.1f} fps; render alone "
                f"{frames['render_only_s']:.2f} s; ffmpeg alone {frames['ffmpeg_alone_s']:.2f} s "
                f"({1e3 * frames['ffmpeg_cpu_s'] / frames['frames']:.0f} ms CPU a frame); "
                f"ratio {frames['ratio']:.2f}"
            )
            print("  " + cpu_budget(frames))
        stages = bench_stages(mp12, tmp / "stages.mp4")
        print(
            "stages (12 MP, reels, 6 s): " + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items())
        )
        profile = bench_profile(mp12, 5.0)
        encode_ms = 1e3 * frames["ffmpeg_alone_s"] / frames["frames"]
        print(
            "profile (12 MP, reels, one thread): "
            + ", ".join(f"{k[:-2]} {v:.2f} s" for k, v in profile.items() if k.endswith("_s"))
            + "; per frame: "
            + ", ".join(f"{k[:-3]} {v:.1f} ms" for k, v in profile.items() if k.endswith("_ms"))
            + f", encode {encode_ms:.1f} ms (ffmpeg alone, its own threads)"
        )
        print(f"depthreel --help: {bench_help() * 1e3:.0f} ms")
        if args.quick:
            return
        e2e = bench_end_to_end(mp12, 6.0, tmp / "e2e.mp4")
        print(f"end to end (12 MP photo, reels, 6 s, classic): {e2e:.1f} s")
        mp24 = make_photo(tmp / "photo24mp.jpg", 6000, 4000)
        print(f"peak RSS (24 MP photo, reels): {bench_memory(mp24, tmp / 'mem.mp4'):.0f} MB")
        mp3 = make_photo(tmp / "photo3mp.jpg", 2000, 1500)
        for label, size, ms in bench_scaling({"3 MP": mp3, "24 MP": mp24}):
            print(f"scaling: photo {label}, output {size}: {ms:.1f} ms/frame")
        model = bench_depth_model()
        print(
            "Depth Anything V2 Small, 518x518: "
            + ", ".join(f"{k} {v:.2f} s" for k, v in model.items())
        )


if __name__ == "__main__":
    main()
