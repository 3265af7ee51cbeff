"""Writing the still images the photo commands make (cut-outs, masks, refocused photos)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from depthreel.errors import DepthreelError

PARAMS = {
    ".jpg": [1, 95],  # cv2.IMWRITE_JPEG_QUALITY
    ".jpeg": [1, 95],
    ".webp": [64, 101],  # cv2.IMWRITE_WEBP_QUALITY: above 100 = lossless (alpha kept exact)
}


def check_suffix(path: Path, allowed: tuple[str, ...]) -> None:
    """A one-line error unless `path` ends in one of `allowed` (e.g. ('.png', '.webp'))."""
    if Path(path).suffix.lower() not in allowed:
        raise DepthreelError(f"output {path} must end in {', '.join(allowed)}")


def write_image(path: Path, image: np.ndarray, force: bool) -> None:
    """Encode an 8-bit gray, RGB or RGBA image by the path's suffix and write it atomically."""
    import cv2

    from depthreel.outputs import atomic_output

    if image.ndim == 3:
        image = image[..., [2, 1, 0, 3]] if image.shape[2] == 4 else image[..., ::-1]
    suffix = Path(path).suffix.lower()
    ok, data = cv2.imencode(suffix, np.ascontiguousarray(image), PARAMS.get(suffix, []))
    if not ok:
        raise DepthreelError(f"could not encode {path}")
    with atomic_output(path, force) as tmp:
        tmp.write_bytes(data.tobytes())
