"""Output files are written to a temp file beside the target and renamed only on success."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from depthreel.errors import DepthreelError


def check_output(path: Path, force: bool) -> Path:
    """Fail early when `path` cannot be written: missing folder, exists without --force."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.exists():
        raise DepthreelError(f"output folder {folder} does not exist")
    if not folder.is_dir():
        raise DepthreelError(f"output folder {folder} is not a folder")
    if not os.access(folder, os.W_OK):
        raise DepthreelError(f"output folder {folder} is not writable")
    if path.is_dir():
        raise DepthreelError(f"output {path} is a folder; give a file name")
    if path.exists() and not force:
        raise DepthreelError(f"output {path} already exists; use --force to overwrite it")
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_output(path: Path, force: bool) -> Iterator[Path]:
    """Yield a temp path in the target's folder; rename it onto `path` if the block succeeds.

    On any error or interrupt the temp file is removed and an existing `path` is untouched;
    an OSError while writing becomes a one-line DepthreelError ("could not write ...").
    """
    path = check_output(Path(path), force)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{path.stem}.", suffix=f".partial{path.suffix}", dir=path.parent
        )
    except OSError as exc:
        raise write_error(path, exc) from None
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
    try:
        try:
            yield tmp
        except OSError as exc:  # writing the temp file failed: disk full, size limit, I/O
            raise write_error(path, exc) from None
        if path.exists() and not force:
            raise DepthreelError(f"output {path} appeared while rendering; use --force")
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise write_error(path, exc) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_error(path: Path, exc: OSError) -> DepthreelError:
    """A one-line error for a failed write: disk full, file size limit, permissions."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        reason += " (disk full or file size limit reached)"
    return DepthreelError(f"could not write {path}: {reason}")


def write_png(path: Path, image: np.ndarray, force: bool) -> None:
    """Encode `image` (uint8/uint16, gray or BGR as OpenCV expects) as PNG, atomically."""
    import cv2

    ok, data = cv2.imencode(".png", image)
    if not ok:
        raise DepthreelError(f"could not encode {path} as PNG")
    with atomic_output(path, force) as tmp:
        tmp.write_bytes(data.tobytes())
