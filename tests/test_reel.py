"""Album reels: photo order, exact length, music, captions and matching motion directions."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import probe, scene_photo

from depthreel.batch.album import AlbumPhoto
from depthreel.batch.photoinfo import format_date, format_place, read_info
from depthreel.batch.reel import ordered_photos
from depthreel.batch.reel_plan import fit_frames, match_motions, plan_reel, spread
from depthreel.cli import cli
from depthreel.pipeline import RenderSettings

FAST = ["--preset", "preview", "--estimator", "classic", "--quiet"]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def dated_photo(path: Path, taken: str | None, gps=None, width: int = 200) -> Path:
    from PIL import Image

    scene_photo(path, width=width, height=150)
    if taken or gps:
        image = Image.open(path)
        exif = Image.Exif()
        if taken:
            exif.get_ifd(0x8769)[0x9003] = taken
        if gps:
            exif.get_ifd(0x8825).update(gps)
        image.save(path, exif=exif)
    return path


def make_music(path: Path, seconds: float) -> Path:
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    sine = f"sine=frequency=440:duration={seconds}"
    command = [exe, "-loglevel", "error", "-f", "lavfi", "-i", sine, "-c:a", "libmp3lame", path]
    subprocess.run([str(part) for part in command], check=True)
    return path


def test_photos_are_ordered_by_exif_date_then_file_time(tmp_path):
    a = dated_photo(tmp_path / "a.jpg", "2024:05:03 18:00:00")
    b = dated_photo(tmp_path / "b.jpg", "2024:05:01 09:30:00")
    c = dated_photo(tmp_path / "c.jpg", None)
    os.utime(c, (1714600000, 1714600000))  # 2024-05-01 21:46 UTC: between b and a
    broken = tmp_path / "d.jpg"
    broken.write_bytes(b"nope")
    truncated = tmp_path / "e.jpg"  # a valid header, the pixels cut off
    truncated.write_bytes(a.read_bytes()[: a.stat().st_size // 2])
    notices: list[str] = []
    photos = [AlbumPhoto(p, p.name) for p in (a, b, c, broken, truncated)]
    ordered = ordered_photos(photos, notices.append)
    assert [photo.key for photo, _ in ordered] == ["b.jpg", "c.jpg", "a.jpg"]
    assert len(notices) == 2 and "d.jpg" in notices[0] and "not an image" in notices[0]
    assert "e.jpg" in notices[1] and "truncated" in notices[1]


def test_exif_place_and_date_captions(tmp_path):
    gps = {1: "S", 2: (33.0, 51.0, 54.0), 3: "E", 4: (151.0, 12.0, 36.0)}
    info = read_info(dated_photo(tmp_path / "p.jpg", "2023:12:31 23:59:00", gps))
    assert format_date(info.taken) == "31 December 2023"
    assert format_place(info.gps) == "33.8650° S, 151.2100° E"


def test_fit_frames_is_exact_and_respects_the_minimum():
    for weights, total, overlap in [([4, 4, 1], 120, 12), ([1] * 7, 301, 15), ([2, 3], 90, 0)]:
        frames = fit_frames(weights, total, overlap, 25)
        assert frames is not None and min(frames) >= 25
        assert sum(frames) - (len(frames) - 1) * overlap == total
    assert fit_frames([1] * 10, 120, 12, 25) is None
    assert spread(10, 4) == [0, 3, 6, 9] and spread(3, 5) == [0, 1, 2]


def test_too_many_photos_for_the_length_are_thinned_evenly(tmp_path, registry):
    photos = [
        (AlbumPhoto(Path(f"{i}.jpg"), f"{i}.jpg"), read_info(scene_photo(tmp_path / f"{i}.jpg")))
        for i in range(10)
    ]
    notices: list[str] = []
    plan = plan_reel(photos, RenderSettings(preset="preview"), registry, notices.append, length=5)
    # 24 fps, 12-frame crossfades, clips of at least 24 + 12 frames: 4 photos fit in 5 s.
    assert [clip.photo.key for clip in plan.clips] == ["0.jpg", "3.jpg", "6.jpg", "9.jpg"]
    assert plan.total_frames == 120 and "using 4 of them" in notices[0]
    assert [clip.frames for clip in plan.clips] == [39] * 4
    assert [clip.start for clip in plan.clips] == [0, 27, 54, 81]


def test_motion_directions_continue_from_clip_to_clip(registry):
    settings = [
        RenderSettings(motion="horizontal"),
        RenderSettings(motion="horizontal", motion_options={"reverse": True}),  # the user's
        RenderSettings(motion="horizontal"),  # continues right-to-left
        RenderSettings(motion="dolly"),  # pushes in: no conflict
        RenderSettings(motion="circle"),  # starts heading right-to-left too
    ]
    match_motions(settings, registry, "crossfade")
    assert [s.motion_options.get("reverse", False) for s in settings] == [
        False,
        True,
        True,
        False,
        True,
    ]
    cut = [RenderSettings(motion="horizontal"), RenderSettings(motion="dolly:easing=sine")]
    cut[1].motion, cut[1].motion_options = "dolly", {"easing": "sine"}
    match_motions(cut, registry, "cut")
    assert cut[0].motion_options["easing"] == "linear"  # keeps its speed across the cut
    assert cut[1].motion_options["easing"] == "sine"


def test_caption_effect_draws_at_the_bottom_and_fades_in(registry):
    from depthreel.effect import EffectContext

    caption = registry.get("effect", "caption")(text="Lisbon 2024")
    frame = np.full((640, 360, 3), 0.5, np.float32)
    depth = np.ones((640, 360), np.float32)
    start = caption.apply(frame, EffectContext(depth=depth, t=0.0))
    shown = caption.apply(frame, EffectContext(depth=depth, t=1.0))
    assert np.array_equal(start, frame)
    changed = np.abs(shown - frame).max(axis=2) > 0.05
    rows = np.nonzero(changed.any(axis=1))[0]
    assert rows.min() > 640 * 0.7 and rows.max() < 640 * 0.95
    assert shown.max() > 0.95 and shown.min() < 0.3  # white text on a dark shadow


@pytest.mark.slow
def test_reel_fits_the_music_and_carries_it(tmp_path):
    album = tmp_path / "album"
    album.mkdir()
    dated_photo(album / "b.jpg", "2024:05:02 10:00:00", width=240)
    dated_photo(album / "a.jpg", "2024:05:01 10:00:00")
    dated_photo(album / "c.jpg", "2024:05:03 10:00:00", width=260)
    music = make_music(tmp_path / "track.mp3", 2.5)
    out = tmp_path / "reel.mp4"
    result = run("reel", album, "-o", out, "--music", music, "--captions", "date", *FAST)
    assert result.exit_code == 0, result.output
    info = probe(out)
    assert (info.width, info.height, info.fps) == (360, 640, 24)
    assert info.frames == 60 and info.has_audio
    assert info.colour.startswith("tv, bt709,")  # like the clips it is made of
    assert sorted(p.name for p in tmp_path.iterdir()) == ["album", "reel.mp4", "track.mp3"]
    rate = 8000
    decode = ["-loglevel", "error", "-i", str(out), "-f", "s16le", "-ac", "1", "-ar", str(rate)]
    pcm = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), *decode, "-"], capture_output=True, check=True
    ).stdout
    sound = np.frombuffer(pcm, np.int16).astype(float)
    assert abs(len(sound) / rate - 2.5) < 0.05  # the music was cut to the reel's length

    def loudness(t0, t1):
        return np.sqrt(np.mean(sound[int(t0 * rate) : int(t1 * rate)] ** 2))

    assert loudness(2.4, 2.5) < 0.3 * loudness(0.5, 1.0)  # faded out at the end


@pytest.mark.slow
def test_reel_of_a_given_length_without_music_has_no_audio(tmp_path):
    album = tmp_path / "album"
    album.mkdir()
    for name in ("a.jpg", "b.jpg"):
        scene_photo(album / name)
    (album / "album.toml").write_text('[photos."b.jpg"]\ncaption = "Beach"\n')
    out = tmp_path / "reel.mp4"
    result = run("reel", album, "-o", out, "--length", "2", "--transition", "cut", *FAST)
    assert result.exit_code == 0, result.output
    info = probe(out)
    assert info.frames == 48 and not info.has_audio


def test_reel_errors_are_one_line(tmp_path):
    album = tmp_path / "album"
    album.mkdir()
    scene_photo(album / "a.jpg")
    for args, fragment in [
        (["--music", tmp_path / "none.mp3"], "does not exist"),
        (["--length", "0.2"], "--length 0.2"),
        (["--motion", "spin"], "unknown motion 'spin'"),
    ]:
        result = run("reel", album, "-o", tmp_path / "r.mp4", *args, *FAST)
        assert result.exit_code == 1 and fragment in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1
    (tmp_path / "empty").mkdir()
    result = run("reel", tmp_path / "empty", "-o", tmp_path / "r.mp4", *FAST)
    assert result.exit_code == 1 and "has no photos" in result.output
    assert not (tmp_path / "r.mp4").exists()
