"""Procedural rectified stereo pairs with exact ground truth, for the novel-view benchmark.

A scene is a textured background whose disparity grows towards the bottom (a floor seen
obliquely) and a few textured objects in front of it (discs, boxes, thin poles, rings one can
see through), each at one disparity. Every surface's disparity is constant along an image row,
so a right-view pixel (x, y) sees surface k at left-view x + d_k(y): both views are rendered
exactly, with 3x3 supersampling (anti-aliased, mixed edge pixels as in a photo), and the
background hidden in the left view has a known true texture. Textures are continuous functions
of left-view coordinates (value noise plus stripes), so a point looks the same in both views.

Used by bench_stereo.py; `python benchmarks/synthetic_stereo.py out/` writes a pair to look at.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SUPER = 3  # samples per pixel along each axis


@dataclass
class Surface:
    kind: str  # "background", "disc", "box", "pole", "ring"
    disparity: float  # at the top row (objects: everywhere)
    slope: float  # disparity gained per row (background only)
    centre: tuple[float, float]
    size: tuple[float, float]
    colour: np.ndarray  # (3,) base colour
    seed: int

    def disp(self, y: np.ndarray) -> np.ndarray:
        return self.disparity + self.slope * y

    def inside(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Whether left-view points (x, y) lie on this surface."""
        if self.kind == "background":
            return np.ones(np.broadcast(x, y).shape, bool)
        cx, cy = self.centre
        sx, sy = self.size
        if self.kind in ("box", "pole"):
            return (np.abs(x - cx) <= sx) & (np.abs(y - cy) <= sy)
        r = np.hypot((x - cx) / sx, (y - cy) / sy)
        return r <= 1.0 if self.kind == "disc" else (r <= 1.0) & (r >= 0.6)

    def texture(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """(..., 3) colour at left-view points (x, y)."""
        rng = np.random.default_rng(self.seed)
        tone = value_noise(x, y, 24.0, rng) * 0.6 + value_noise(x, y, 6.0, rng) * 0.4
        angle = rng.uniform(0, np.pi)
        freq = rng.uniform(0.05, 0.25)
        stripes = 0.5 + 0.5 * np.sin(freq * (np.cos(angle) * x + np.sin(angle) * y))
        shade = 0.55 + 0.3 * tone + 0.15 * stripes
        tint = rng.uniform(-0.08, 0.08, 3)
        return np.clip(self.colour * shade[..., None] + tint * (tone[..., None] - 0.5), 0, 1)


def value_noise(x: np.ndarray, y: np.ndarray, cell: float, rng: np.random.Generator) -> np.ndarray:
    """Smooth noise in [0, 1]: random values on a grid of `cell` px, bilinear between them."""
    grid = rng.random((64, 64))
    gx, gy = x / cell + 8.0, y / cell + 8.0
    x0, y0 = np.floor(gx).astype(int), np.floor(gy).astype(int)
    tx, ty = gx - x0, gy - y0
    tx, ty = tx * tx * (3 - 2 * tx), ty * ty * (3 - 2 * ty)

    def at(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return grid[j % 64, i % 64]

    top = at(x0, y0) * (1 - tx) + at(x0 + 1, y0) * tx
    bottom = at(x0, y0 + 1) * (1 - tx) + at(x0 + 1, y0 + 1) * tx
    return top * (1 - ty) + bottom * ty


def make_scene(seed: int, width: int = 640, height: int = 420) -> list[Surface]:
    """A background and 4-7 objects, far to near."""
    rng = np.random.default_rng(seed)
    surfaces = [
        Surface(
            "background",
            rng.uniform(4, 8),
            rng.uniform(6, 14) / height,
            (0.0, 0.0),
            (0.0, 0.0),
            rng.uniform(0.3, 0.9, 3),
            seed * 100,
        )
    ]
    count = int(rng.integers(4, 8))
    for k in range(count):
        kind = str(rng.choice(["disc", "box", "pole", "ring", "disc", "box"]))
        centre = (rng.uniform(0.1, 0.9) * width, rng.uniform(0.15, 0.85) * height)
        if kind == "pole":
            size = (rng.uniform(2, 6), rng.uniform(0.2, 0.45) * height)
        else:
            size = (rng.uniform(0.06, 0.16) * width, rng.uniform(0.08, 0.2) * height)
        disparity = rng.uniform(18, 50)
        surfaces.append(
            Surface(
                kind, disparity, 0.0, centre, size, rng.uniform(0.1, 1.0, 3), seed * 100 + k + 1
            )
        )
    surfaces[1:] = sorted(surfaces[1:], key=lambda s: s.disparity)
    return surfaces


def render_view(
    surfaces: list[Surface], width: int, height: int, shift: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact view of the scene from a camera `shift` baselines to the right of the left one.

    Returns rgb (H, W, 3) float in [0, 1] (supersampled), the disparity of the visible surface
    at each pixel centre, and the index of that surface (pixel centre).
    """
    offsets = (np.arange(SUPER) + 0.5) / SUPER - 0.5
    ys = (np.arange(height)[:, None] + offsets[None, :]).reshape(-1)
    xs = (np.arange(width)[:, None] + offsets[None, :]).reshape(-1)
    xg, yg = np.meshgrid(xs, ys)
    best = np.full(xg.shape, -1)
    best_d = np.full(xg.shape, -np.inf)
    colour = np.zeros((*xg.shape, 3))
    for k, surface in enumerate(surfaces):
        d = surface.disp(yg)
        xl = xg + shift * d
        on = surface.inside(xl, yg) & (d > best_d)
        best[on], best_d[on] = k, d[on]
        colour[on] = surface.texture(xl[on], yg[on])
    rgb = colour.reshape(height, SUPER, width, SUPER, 3).mean(axis=(1, 3))
    centre = SUPER // 2
    return rgb, best_d[centre::SUPER, centre::SUPER], best[centre::SUPER, centre::SUPER]


def make_pair(seed: int, width: int = 640, height: int = 420) -> dict[str, np.ndarray]:
    """Left and right views (uint8), left disparity, and the right view's disoccluded mask.

    A right-view pixel is disoccluded when the surface it shows is hidden at that point in the
    left view (or lies beyond the left view's border).
    """
    surfaces = make_scene(seed, width, height)
    left, disp, _ = render_view(surfaces, width, height, 0.0)
    right, right_disp, _ = render_view(surfaces, width, height, 1.0)
    yy, xx = np.mgrid[0:height, 0:width].astype(float)
    xl = xx + right_disp  # where each right-view pixel's point is in the left view
    mask = xl > width - 0.5
    for surface in surfaces[1:]:  # is that point behind an object in the left view?
        nearer = surface.disp(yy) > right_disp + 1e-6
        mask |= nearer & surface.inside(xl, yy)
    return {
        "left": (left * 255 + 0.5).astype(np.uint8),
        "right": (right * 255 + 0.5).astype(np.uint8),
        "disp": disp.astype(np.float32),
        "mask": mask,
    }


if __name__ == "__main__":
    import cv2

    out = Path(sys.argv[1] if len(sys.argv) > 1 else "synthetic")
    out.mkdir(parents=True, exist_ok=True)
    pair = make_pair(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    cv2.imwrite(str(out / "left.png"), pair["left"][..., ::-1])
    cv2.imwrite(str(out / "right.png"), pair["right"][..., ::-1])
    cv2.imwrite(str(out / "mask.png"), pair["mask"].astype(np.uint8) * 255)
    np.save(out / "disp.npy", pair["disp"])
