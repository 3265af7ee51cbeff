"""Inpainters fill hidden or uncovered pixels, colour and depth; they are plugins."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:
    from depthreel.registry import Registry


class Inpainter:
    """Base class for inpainters contributed through the `register_inpainters` hook.

    The layered depth image calls `inpaint` on views of the photo rendered from the extreme
    poses of the camera path: `hole` is what the move uncovers there, `context` the pixels
    that really show the scene. Whatever comes back in the hole is mapped onto the hidden
    background behind the foreground edges (see depthreel.ldi). Options given on the command
    line or in code arrive as keyword arguments in `self.options`.

    A learned inpainter plugs in the same way (the built-in `lama`, depthreel.inpaint.lama, is
    one): a subclass whose `inpaint` runs the network on the RGB image and the hole mask. It
    fetches its weights in `load()`, which runs once before any work (e.g.
    huggingface_hub.hf_hub_download into the user's cache, importing torch and the hub inside
    the method, not at import time), and raises depthreel.errors.DepthreelError with one clear
    line when they cannot be fetched. Networks take no context mask, so blank the
    non-context pixels into the hole (hole | ~context) before the call, then copy back only
    the hole; when the network gives no depth, return the depth filled by
    depthreel.inpaint.pyramid.far_push_pull (the hole's background depth).
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def __init__(self, **options: Any) -> None:
        self.options = options

    def load(self) -> None:
        """Get ready to run (weights, devices); raise DepthreelError in one line if impossible."""

    def inpaint(
        self,
        rgb: np.ndarray,
        depth: np.ndarray,
        hole: np.ndarray,
        context: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Fill the `hole` pixels of rgb (H, W, 3) float32 and depth (H, W) float32.

        Only pixels where `context` is True (default: outside the hole) may be copied from,
        so a caller can keep foreground colour out of a background fill. Depth is 0 where
        unknown. Returns new arrays (rgb, depth), the pixels outside the hole unchanged.
        """
        raise NotImplementedError


def get_inpainter(registry: Registry, name: str, **options: Any) -> Inpainter:
    """The registered inpainter `name`, instantiated with options and loaded."""
    inpainter: Inpainter = registry.get("inpainter", name)(**options)
    inpainter.load()
    return inpainter
