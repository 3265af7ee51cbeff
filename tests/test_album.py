"""Album folders and album files: which photos, which overrides, which output names."""

from __future__ import annotations

import pytest
from conftest import scene_photo

from depthreel.batch.album import find_photos, load_album, output_names, read_album_file
from depthreel.batch.manifest import DONE, Entry, Manifest
from depthreel.errors import DepthreelError


def test_photos_are_found_by_suffix_hidden_and_output_folders_left_out(tmp_path):
    for name in ("b.JPG", "a.png", "sub/c.jpeg", ".hidden.jpg", "out/clip.png"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("x")
    assert [p.name for p in find_photos(tmp_path)] == ["a.png", "b.JPG"]
    found = find_photos(tmp_path, recursive=True, exclude=tmp_path / "out")
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.png", "b.JPG", "sub/c.jpeg"]
    assert len(find_photos(tmp_path, exclude=tmp_path)) == 2  # clips beside the photos


def test_toml_and_yaml_album_files_say_the_same(tmp_path):
    (tmp_path / "album.toml").write_text(
        '[photos."beach.jpg"]\nmotion = "circle:intensity=1.5"\neffects = ["vignette"]\n'
        'duration = 4\ncaption = "Praia"\n\n[photos."blurry.jpg"]\nskip = true\n'
    )
    (tmp_path / "album.yaml").write_text(
        "photos:\n  beach.jpg:\n    motion: circle:intensity=1.5\n    effects: [vignette]\n"
        "    duration: 4\n    caption: Praia\n  blurry.jpg:\n    skip: true\n"
    )
    toml = read_album_file(tmp_path / "album.toml")
    assert toml == read_album_file(tmp_path / "album.yaml")
    assert toml["beach.jpg"].motion == "circle:intensity=1.5"
    assert toml["beach.jpg"].effects == ("vignette",) and toml["beach.jpg"].duration == 4.0
    assert toml["blurry.jpg"].skip and toml["beach.jpg"].caption == "Praia"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[photos."a.jpg"]\nspeed = 2\n', "unknown keys speed"),
        ('[photos."a.jpg"]\nduration = 0\n', "duration must be between"),
        ('[photos."a.jpg"]\nskip = "yes"\n', "skip must be true or false"),
        ("[photos\n", "invalid TOML"),
        ("[pictures]\n", "unknown top-level keys pictures"),
    ],
)
def test_bad_album_files_are_one_line_errors(tmp_path, text, fragment):
    path = tmp_path / "album.toml"
    path.write_text(text)
    with pytest.raises(DepthreelError) as error:
        read_album_file(path)
    assert fragment in str(error.value) and str(path) in str(error.value)
    assert "\n" not in str(error.value)


def test_album_file_entries_without_a_photo_are_noticed(tmp_path):
    scene_photo(tmp_path / "a.jpg")
    (tmp_path / "album.toml").write_text('[photos."typo.jpg"]\nskip = true\n')
    notices: list[str] = []
    photos = load_album(tmp_path, notice=notices.append)
    assert [p.key for p in photos] == ["a.jpg"] and "typo.jpg" in notices[0]


def test_output_names_mirror_folders_and_keep_colliding_photos_apart():
    names = output_names(["trip/beach.jpg", "beach.jpg", "beach.png", "cat.jpeg"], "mp4")
    assert names == {
        "trip/beach.jpg": "trip/beach.mp4",
        "beach.jpg": "beach-jpg.mp4",
        "beach.png": "beach-png.mp4",
        "cat.jpeg": "cat.mp4",
    }


def test_manifest_round_trip_and_completeness(tmp_path):
    clip = tmp_path / "a.mp4"
    clip.write_bytes(b"12345")
    manifest = Manifest.load(tmp_path)
    manifest.entries["a.jpg"] = Entry("a.jpg", "a.mp4", DONE, settings_hash="h", size=5)
    manifest.save()
    again = Manifest.load(tmp_path)
    assert again.is_complete("a.jpg", clip, "h")
    assert not again.is_complete("a.jpg", clip, "other settings")
    clip.write_bytes(b"1234")
    assert not again.is_complete("a.jpg", clip, "h")
    assert again.owns("a.mp4") and not again.owns("b.mp4")
    (tmp_path / "manifest.json").write_text("{ damaged")
    with pytest.raises(DepthreelError, match="damaged"):
        Manifest.load(tmp_path)
