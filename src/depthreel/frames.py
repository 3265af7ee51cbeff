"""Frames of a prepared scene: render, effects, 8-bit conversion, in order from a few threads.

Frames come as 8-bit RGB, or straight in the encoder's yuv420p (depthreel.yuv), which spares
a pass and ffmpeg's own conversion.

The render kernels and OpenCV release the GIL, so `ordered_frames` renders several frames at
once (one Renderer clone per thread, sharing the packed source) while the encoder works.
"""

from __future__ import annotations

import copy
import os
import queue
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

import cv2
import numpy as np

from depthreel.effect import Effect, EffectContext
from depthreel.errors import DepthreelError
from depthreel.registry import Registry
from depthreel.scene import CameraPose
from depthreel.yuv import rgb_to_yuv420p

if TYPE_CHECKING:
    from depthreel.pipeline import PreparedScene


def apply_effects(
    registry: Registry | None, effects: Sequence[Effect], frame: np.ndarray, ctx: EffectContext
) -> np.ndarray:
    """Apply the effects in order; a plugin effect that raises is named in the error."""
    for effect in effects:
        try:
            frame = effect.apply(frame, ctx)
        except DepthreelError:
            raise
        except Exception as exc:
            from depthreel.pipeline import plugin_failure

            raise plugin_failure(registry, "effect", effect.name, exc) from None
    return frame


def to_uint8(frame: np.ndarray) -> np.ndarray:
    """A float frame in [0, 1] as rounded, saturated uint8 (OpenCV: one pass, ~15x numpy)."""
    # cv2 takes the float as a scalar for frames of 16+ px (a 1x1 frame would be misread).
    clipped = cv2.max(frame, 0.0)  # type: ignore[call-overload]
    return np.asarray(cv2.convertScaleAbs(clipped, alpha=255.0))


class FrameRenderer:
    """Renders the frames of a prepared scene: layers, effects, stereo eyes, 8-bit output."""

    def __init__(
        self,
        scene: PreparedScene,
        effects: Sequence[Effect],
        stereo: str | None = None,
        registry: Registry | None = None,
        pixel_format: str = "rgb24",
    ) -> None:
        from depthreel.render.renderer import Renderer, View

        self.scene, self.effects, self.stereo = scene, list(effects), stereo
        self.registry = registry  # names the plugin of an effect that raises
        self.times, self.focus = scene.frame_times(), scene.focus_depths()
        self.renderer = Renderer(scene.layers, scene.camera, scene.framing.out)
        self.count = len(scene.poses)
        self.pixel_format = pixel_format  # or "yuv420p": packed for the encoder (see frame)
        self._view_buffers = View.empty(scene.framing.out.height, scene.framing.out.width)

    def clone(self) -> FrameRenderer:
        """Another FrameRenderer of the same scene for another thread (shares the source)."""
        from depthreel.render.renderer import View

        twin = copy.copy(self)
        twin.renderer = self.renderer.clone()
        twin._view_buffers = View.empty(*self._view_buffers.depth.shape)
        return twin

    def _view(self, pose: CameraPose, index: int, packed: bool = False) -> np.ndarray:
        # The View's buffers are reused frame after frame; the uint8 result is a new array.
        view = self.renderer.render(pose, into=self._view_buffers)
        frame = view.rgb
        if self.effects:
            ctx = EffectContext(
                depth=view.depth,
                t=float(self.times[index]),
                focus_depth=self.focus[index],  # the subject's distance from this camera
                frame_index=index,
            )
            frame = apply_effects(self.registry, self.effects, frame, ctx)
        return rgb_to_yuv420p(frame) if packed else to_uint8(frame)

    def frame(self, index: int) -> np.ndarray:
        """Frame `index` of the clip as (H, W, 3) uint8 (both eyes side by side in stereo), or
        as packed yuv420p bytes when pixel_format is "yuv420p"."""
        pose = self.scene.poses[index]
        packed = self.pixel_format == "yuv420p"
        if not self.stereo:
            return self._view(pose, index, packed)
        from depthreel.stereo import eye_poses, side_by_side

        left, right = eye_poses(pose, self.scene.subject.focus_depth)
        both = side_by_side(self._view(left, index), self._view(right, index), self.stereo)
        return rgb_to_yuv420p(both) if packed else both


def render_threads() -> int:
    """Threads that render frames: $DEPTHREEL_RENDER_THREADS, else one per CPU (at most 4)."""
    value = os.environ.get("DEPTHREEL_RENDER_THREADS")
    if value and value.strip().isdigit() and int(value) > 0:
        return int(value)
    return max(1, min(4, os.cpu_count() or 1))


def ordered_frames(frames: FrameRenderer, threads: int | None = None) -> Iterator[np.ndarray]:
    """Every frame of the clip, in order, rendered by `threads` threads at once."""
    threads = render_threads() if threads is None else threads
    if threads <= 1 or frames.count <= 1:
        for index in range(frames.count):
            yield frames.frame(index)
        return
    free: queue.SimpleQueue[FrameRenderer] = queue.SimpleQueue()
    free.put(frames)
    for _ in range(threads - 1):
        free.put(frames.clone())

    def task(index: int) -> np.ndarray:
        renderer = free.get()
        try:
            return renderer.frame(index)
        finally:
            free.put(renderer)

    with ThreadPoolExecutor(threads, thread_name_prefix="depthreel-render") as pool:
        pending: deque[Future[np.ndarray]] = deque()
        try:
            for index in range(frames.count):
                pending.append(pool.submit(task, index))
                if len(pending) >= 2 * threads:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
