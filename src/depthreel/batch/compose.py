"""Joining rendered clips into one reel with moviepy: crossfades or cuts, music faded out."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from depthreel.batch.reel_plan import ReelPlan
from depthreel.errors import DepthreelError
from depthreel.outputs import atomic_output
from depthreel.progress import shows_progress
from depthreel.video import colour_args

FADE_OUT = 2.0  # seconds of music fade at the end of the reel
AUDIO_CODECS = {"mp4": "aac", "mov": "aac", "webm": "libvorbis"}


def music_duration(path: Path) -> float:
    """Length of a music file in seconds; a missing or unreadable file is a one-line error."""
    path = Path(path)
    if not path.is_file():
        raise DepthreelError(f"music {path} does not exist")
    from moviepy import AudioFileClip

    try:
        clip = AudioFileClip(str(path))
    except (OSError, KeyError, IndexError, ValueError) as exc:
        first = (str(exc).strip().splitlines() or ["unknown format"])[-1]
        raise DepthreelError(f"music {path} could not be read: {first}") from None
    try:
        return float(clip.duration)
    finally:
        clip.close()


def _soundtrack(path: Path, duration: float) -> Any:
    """The music cut (or looped) to `duration`, fading out at the end."""
    from moviepy import AudioFileClip, afx

    audio = AudioFileClip(str(path))
    if audio.duration < duration:
        audio = audio.with_effects([afx.AudioLoop(duration=duration)])
    else:
        audio = audio.subclipped(0, duration)
    return audio.with_effects([afx.AudioFadeOut(min(FADE_OUT, duration / 3))])


def compose_reel(
    plan: ReelPlan,
    clips: Sequence[Path],
    output: Path,
    music: Path | None = None,
    force: bool = False,
    quiet: bool = True,
) -> None:
    """Lay the clips out at their planned start frames, crossfade them, add music, encode."""
    from moviepy import CompositeVideoClip, VideoFileClip, vfx

    from depthreel.stereo import frame_size

    preset, fps = plan.preset, plan.fps
    fade = plan.overlap / fps
    opened: list[Any] = []
    try:
        layers = []
        for index, (clip, path) in enumerate(zip(plan.clips, clips, strict=True)):
            video = VideoFileClip(str(path), audio=False)
            opened.append(video)
            video = video.with_duration(clip.frames / fps).with_start(clip.start / fps)
            if index > 0 and fade > 0:
                video = video.with_effects([vfx.CrossFadeIn(fade)])
            layers.append(video)
        size = frame_size(preset.width, preset.height, plan.stereo or "")
        reel = CompositeVideoClip(layers, size=size)
        reel = reel.with_duration(plan.duration)
        if music is not None:
            soundtrack = _soundtrack(music, plan.duration)
            opened.append(soundtrack)
            reel = reel.with_audio(soundtrack)
        params = ["-crf", str(preset.crf)] if preset.crf is not None and not preset.bitrate else []
        params += colour_args(preset)
        if preset.container in ("mp4", "mov"):
            params += ["-movflags", "+faststart"]
        with (
            atomic_output(output, force) as tmp,
            tempfile.TemporaryDirectory(prefix="depthreel-reel-audio-") as scratch,
        ):
            reel.write_videofile(
                str(tmp),
                fps=fps,
                codec=preset.codec,
                bitrate=preset.bitrate,
                preset=preset.encoder_preset,
                audio=music is not None,
                audio_codec=AUDIO_CODECS.get(preset.container, "aac"),
                temp_audiofile_path=scratch,
                ffmpeg_params=params,
                pixel_format=preset.pix_fmt,
                logger="bar" if shows_progress(quiet) else None,
            )
    finally:
        for item in opened:
            item.close()
