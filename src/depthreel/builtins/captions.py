"""Built-in caption effect: one line of text burned into every frame, drawn with Pillow.

Used by album files (`caption = "Lisbon"`) and reels (`--captions date`), and by hand:
`depthreel render beach.jpg -e caption:text=Lisbon`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from depthreel import hookimpl
from depthreel.effect import Effect, EffectContext
from depthreel.errors import DepthreelError
from depthreel.hookspecs import Register

POSITIONS = ("top", "center", "bottom")


@dataclass
class Caption(Effect):
    """Text centred near the top, centre or bottom, over a soft shadow; fades in at the start."""

    name: ClassVar[str] = "caption"
    description: ClassVar[str] = "burn in a line of text, e.g. a place or a date"

    text: str = ""
    position: str = "bottom"
    size: float = 0.04  # text height as a share of the frame height
    color: str = "white"
    shadow: float = 0.7  # opacity of the blurred dark shadow
    fade: float = 0.15  # share of the clip over which the caption fades in
    _cache: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, repr=False
    )

    def __post_init__(self) -> None:
        from PIL import ImageColor

        self.text = str(self.text)
        if self.position not in POSITIONS:
            raise DepthreelError(
                f"caption position '{self.position}' is not one of {', '.join(POSITIONS)}"
            )
        if not 0.005 <= self.size <= 0.5:
            raise DepthreelError(f"caption size {self.size} must be between 0.005 and 0.5")
        try:
            ImageColor.getrgb(self.color)
        except ValueError:
            raise DepthreelError(f"caption color '{self.color}' is not a colour") from None

    def overlay(self, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        """(colour, alpha) layers of the caption for a frame size; alpha is (H, W, 1)."""
        key = (height, width)
        if key not in self._cache:
            self._cache[key] = self._draw(height, width)
        return self._cache[key]

    def _draw(self, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        from PIL import Image, ImageColor, ImageDraw, ImageFilter, ImageFont

        size = max(8, round(self.size * height))
        font = ImageFont.load_default(size=size)
        while size > 8 and font.getlength(self.text) > 0.9 * width:
            size = max(8, int(size * 0.9))
            font = ImageFont.load_default(size=size)
        box = ImageDraw.Draw(Image.new("L", (1, 1))).textbbox((0, 0), self.text, font=font)
        text_w, text_h = box[2] - box[0], box[3] - box[1]
        margin = round(0.12 * height)  # clear of the apps' buttons and captions
        top = {"top": margin, "center": (height - text_h) // 2, "bottom": height - margin - text_h}
        origin = ((width - text_w) // 2 - box[0], top[self.position] - box[1])
        mask = Image.new("L", (width, height), 0)
        ImageDraw.Draw(mask).text(origin, self.text, fill=255, font=font)
        halo = mask.filter(ImageFilter.MaxFilter(3)).filter(ImageFilter.GaussianBlur(size / 6))
        text_alpha = np.asarray(mask, np.float32)[:, :, None] / 255.0
        shadow_alpha = self.shadow * np.asarray(halo, np.float32)[:, :, None] / 255.0
        rgb = np.array(ImageColor.getrgb(self.color)[:3], np.float32) / 255.0
        # Text over shadow, as one premultiplied layer: colour * a_text + black * a_shadow.
        alpha = text_alpha + shadow_alpha * (1.0 - text_alpha)
        colour = (rgb[None, None, :] * text_alpha).astype(np.float32)
        return colour, alpha.astype(np.float32)

    def apply(self, frame: np.ndarray, ctx: EffectContext) -> np.ndarray:
        if not self.text:
            return frame
        colour, alpha = self.overlay(*frame.shape[:2])
        opacity = min(1.0, ctx.t / self.fade) if self.fade > 0 else 1.0
        return frame * (1.0 - opacity * alpha) + opacity * colour


@hookimpl
def register_effects(register: Register) -> None:
    register(Caption)
