"""Export presets: size, frame rate, duration and encoding, read from TOML files."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from depthreel.errors import DepthreelError

CODECS = {"libx264", "libx265", "libvpx-vp9", "gif"}
CONTAINERS = {"mp4": "libx264", "mov": "libx264", "webm": "libvpx-vp9", "gif": "gif"}


@dataclass(frozen=True)
class ExportPreset:
    """How a clip is encoded, and optionally which motion and effects it uses by default.

    A preset that names a motion and effects is a "motion preset"; the command line's
    --motion, --effect and the other options override what it says.
    """

    name: str
    description: str = ""
    width: int = 1080
    height: int = 1920
    fps: float = 30.0
    duration: float = 6.0
    codec: str = "libx264"
    container: str = "mp4"
    # x264 veryfast at CRF 18: the size and PSNR/SSIM of `fast` at CRF 20 at half its CPU
    # (benchmarks/bench_encoder.py), which leaves the renderer a core of its own.
    crf: int | None = 18
    bitrate: str | None = None
    encoder_preset: str = "veryfast"
    pix_fmt: str = "yuv420p"
    loop: bool = False  # end where the clip starts (see Motion.frame_times), e.g. for GIFs
    motion: str | None = None
    motion_options: dict[str, Any] = field(default_factory=dict)
    effects: tuple[str, ...] = ()  # effect specs, e.g. "fog:density=0.3"
    source: str = ""

    def __post_init__(self) -> None:
        problems = []
        if self.width < 16 or self.height < 16 or self.width % 2 or self.height % 2:
            problems.append(f"size {self.width}x{self.height} must be even and at least 16")
        if not 1 <= self.fps <= 240:
            problems.append(f"fps {self.fps} must be between 1 and 240")
        if not 0.1 <= self.duration <= 600:
            problems.append(f"duration {self.duration} must be between 0.1 and 600 s")
        if self.codec not in CODECS:
            problems.append(f"codec '{self.codec}' is not one of {', '.join(sorted(CODECS))}")
        if problems:
            where = f" ({self.source})" if self.source else ""
            raise DepthreelError(f"preset '{self.name}'{where}: " + "; ".join(problems))

    def summary(self) -> str:
        """'1080x1920, 30 fps, 6 s, libx264': what the preset makes, for listings."""
        return f"{self.width}x{self.height}, {self.fps:g} fps, {self.duration:g} s, {self.codec}"

    def quality(self) -> str:
        """'CRF 18, veryfast': the encoder's quality setting, for listings ('' for GIFs)."""
        if self.codec == "gif":
            return ""
        rate = f"{self.bitrate} bit/s" if self.bitrate else f"CRF {self.crf}"
        return f"{rate}, {self.encoder_preset}"

    @property
    def frame_count(self) -> int:
        return max(1, round(self.duration * self.fps))

    def with_overrides(self, **overrides: Any) -> ExportPreset:
        """A copy with the non-None overrides applied (command-line options win)."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


_FIELDS = {f.name for f in fields(ExportPreset)} - {"source"}


def parse_preset(data: dict[str, Any], source: str = "") -> ExportPreset:
    """Build a preset from TOML data: top-level keys, or [video] and [motion] tables."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key == "video" and isinstance(value, dict):
            flat.update(value)
        elif key == "motion" and isinstance(value, dict):
            options = dict(value)
            flat["motion"] = options.pop("name", None)
            flat["motion_options"] = options
        else:
            flat[key] = value
    unknown_keys = set(flat) - _FIELDS
    if unknown_keys:
        raise DepthreelError(f"preset {source}: unknown keys {', '.join(sorted(unknown_keys))}")
    if "name" not in flat:
        raise DepthreelError(f"preset {source}: missing 'name'")
    if "effects" in flat:
        effects = flat["effects"]
        if not isinstance(effects, list) or not all(isinstance(e, str) for e in effects):
            raise DepthreelError(f"preset {source}: effects must be a list of strings")
        flat["effects"] = tuple(effects)
    try:
        return ExportPreset(source=source, **flat)
    except TypeError as exc:
        raise DepthreelError(f"preset {source}: {exc}") from None


def load_preset_file(path: Path) -> ExportPreset:
    """Read one preset TOML file; errors name the file and what is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DepthreelError(f"preset file {path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise DepthreelError(f"preset file {path}: {exc.strerror}") from None
    return parse_preset(data, source=str(path))


def bundled_presets_dir() -> Path:
    """presets/ of the source tree, or the copy packaged into the wheel."""
    here = Path(__file__).resolve().parent
    packaged = here / "_presets"
    if packaged.is_dir():
        return packaged
    return here.parent.parent / "presets"
