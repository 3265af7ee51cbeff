"""On-disk cache of depth maps and layered depth images, keyed by content and settings.

Re-rendering a photo with another motion or preset then skips depth estimation (the slow part
with a neural estimator). Entries are .npz files written atomically; a damaged or unreadable
entry is ignored and rebuilt. The folder is `$DEPTHREEL_CACHE_DIR`, else
`$XDG_CACHE_HOME/depthreel`, else `~/.cache/depthreel`; it is trimmed to
`$DEPTHREEL_CACHE_MAX_MB` (default 2048) by removing the least recently used entries.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

CACHE_VERSION = 1
DEFAULT_MAX_MB = 2048


def default_cache_dir() -> Path:
    explicit = os.environ.get("DEPTHREEL_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "depthreel"


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    """A hash of a file's bytes (SHA-256: the photo's identity, whatever its name or date)."""
    digest = hashlib.new(algorithm, usedforsecurity=False)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def make_key(*parts: Any) -> str:
    """A short stable key from settings (anything with a stable repr)."""
    text = "\x1f".join(repr(part) for part in (CACHE_VERSION, *parts))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass
class Cache:
    """A folder of .npz entries in named sections ("depth", "ldi")."""

    root: Path
    max_bytes: int = DEFAULT_MAX_MB * 1024 * 1024

    @classmethod
    def default(cls) -> Cache:
        limit = int(os.environ.get("DEPTHREEL_CACHE_MAX_MB", DEFAULT_MAX_MB))
        return cls(default_cache_dir(), limit * 1024 * 1024)

    def _path(self, section: str, key: str) -> Path:
        return self.root / section / f"{key}.npz"

    def load(self, section: str, key: str) -> dict[str, np.ndarray] | None:
        """The arrays stored under key, or None when absent or unreadable."""
        path = self._path(section, key)
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError):
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # mark as recently used
        return arrays

    def store(self, section: str, key: str, **arrays: np.ndarray) -> None:
        """Write the arrays atomically; a cache that cannot be written is skipped silently."""
        folder = self.root / section
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=folder)
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, **arrays)  # type: ignore[arg-type]
            os.replace(tmp, self._path(section, key))
        except OSError:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)
            return
        self.trim()

    def trim(self) -> None:
        """Remove least recently used entries until the cache fits its size limit."""
        try:
            entries = [(p.stat(), p) for p in self.root.glob("*/*.npz")]
        except OSError:
            return
        total = sum(stat.st_size for stat, _ in entries)
        for stat, path in sorted(entries, key=lambda item: item[0].st_mtime):
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= stat.st_size

    def clear(self) -> int:
        """Delete every entry; returns how many were removed."""
        removed = 0
        for path in self.root.glob("*/*.npz"):
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
        return removed


def age_seconds(path: Path) -> float:
    return time.time() - path.stat().st_mtime


def pack_layers(layers: list[Any], camera: Any) -> dict[str, np.ndarray]:
    """Arrays for storing layers (scene.Layer) compactly: sparse where a layer is mostly absent."""
    arrays: dict[str, np.ndarray] = {
        "camera": np.array(
            [camera.focal, camera.cx, camera.cy, camera.width, camera.height], np.float64
        ),
        "count": np.array(len(layers)),
    }
    for k, layer in enumerate(layers):
        present = np.isfinite(layer.depth) & (layer.depth > 0)
        if present.mean() < 0.5:
            index = np.flatnonzero(present).astype(np.int32)
            arrays[f"index{k}"] = index
            arrays[f"rgb{k}"] = layer.rgb.reshape(-1, 3)[index].astype(np.float16)
            arrays[f"depth{k}"] = layer.depth.ravel()[index].astype(np.float32)
            if layer.alpha is not None:
                arrays[f"alpha{k}"] = layer.alpha.ravel()[index].astype(np.float16)
        else:
            arrays[f"rgb{k}"] = layer.rgb.astype(np.float16)
            arrays[f"depth{k}"] = layer.depth.astype(np.float32)
            if layer.alpha is not None:
                arrays[f"alpha{k}"] = layer.alpha.astype(np.float16)
    return arrays


def unpack_layers(arrays: dict[str, np.ndarray]) -> tuple[list[Any], Any]:
    """The (layers, camera) stored by pack_layers."""
    from depthreel.scene import Intrinsics, Layer

    focal, cx, cy, width, height = arrays["camera"].tolist()
    camera = Intrinsics(focal, cx, cy, int(width), int(height))
    shape = (camera.height, camera.width)
    layers = []
    for k in range(int(arrays["count"])):
        alpha = arrays.get(f"alpha{k}")
        if f"index{k}" in arrays:
            index = arrays[f"index{k}"]
            rgb = np.zeros((*shape, 3), np.float32)
            depth = np.full(shape, np.inf, np.float32)
            rgb.reshape(-1, 3)[index] = arrays[f"rgb{k}"]
            depth.ravel()[index] = arrays[f"depth{k}"]
            if alpha is not None:
                full = np.zeros(shape, np.float32)
                full.ravel()[index] = alpha
                alpha = full
        else:
            rgb = arrays[f"rgb{k}"].astype(np.float32)
            depth = arrays[f"depth{k}"].astype(np.float32)
            alpha = None if alpha is None else alpha.astype(np.float32)
        layers.append(Layer(rgb, depth, alpha))
    return layers, camera
