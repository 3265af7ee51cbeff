"""The layered depth image on scenes with known geometry: a near square over a textured plane.

The plane's texture is known everywhere, also behind the square, so what the LDI puts in the
hidden band can be compared with the truth and with the square's colour.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from depthreel.cli import cli
from depthreel.inpaint.diffusion import DiffusionInpainter
from depthreel.ldi import build_ldi
from depthreel.render.renderer import Renderer
from depthreel.scene import CameraPose, Intrinsics

W, H, FOCAL = 200, 150, 160.0
NEAR, FAR = 1.0, 4.0
SQUARE = (slice(45, 105), slice(70, 130))  # rows, columns
RED = np.array([0.9, 0.15, 0.1], np.float32)


def plane_texture(width: int = W, height: int = H) -> np.ndarray:
    """Smooth stripes in blue-green: nothing like the red square, but not flat either."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    wave = 0.5 + 0.5 * np.sin(xx / 5.0) * np.cos(yy / 9.0)
    return np.stack([0.1 + 0.1 * wave, 0.35 + 0.3 * wave, 0.8 - 0.3 * wave], axis=-1)


def scene(soft: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(photo, depth, true plane). soft: blurred colour edge and a 4 px depth ramp, as an
    upscaled photo with estimated depth has."""
    plane = plane_texture()
    rgb = plane.copy()
    rgb[SQUARE] = RED
    inverse = np.full((H, W), 1.0 / FAR, np.float32)
    inverse[SQUARE] = 1.0 / NEAR
    if soft:
        rgb = cv2.GaussianBlur(rgb, (0, 0), 1.0)
        inverse = cv2.blur(inverse, (5, 5))
    return rgb.astype(np.float32), (1.0 / inverse).astype(np.float32), plane


CAMERA = Intrinsics.centered(W, H, FOCAL)
STEP = 0.2  # camera move right: the square shifts 0.2 * 160 * (1 - 1/4) = 24 px against the plane


def unpadded(ldi, image):
    left, top, _, _ = ldi.pad
    return image[top : top + H, left : left + W]


@pytest.mark.parametrize("soft", [False, True])
def test_hidden_band_gets_the_plane_not_the_square(soft):
    rgb, depth, plane = scene(soft)
    path = [CameraPose(), CameraPose(x=STEP)]
    ldi = build_ldi(rgb, depth, CAMERA, path, DiffusionInpainter())
    ext = ldi.layers[1]
    present = unpadded(ldi, np.isfinite(ext.depth))
    # The camera moves right, so the square slides left over the plane: the band is under the
    # square's right part, about as wide as the 24 px the path opens.
    band_columns = np.nonzero(present[SQUARE].any(axis=0))[0] + SQUARE[1].start
    assert band_columns.max() >= SQUARE[1].stop - 2
    assert band_columns.min() <= SQUARE[1].stop - 24
    inner = present.copy()
    inner[:, : SQUARE[1].start + 4] = False  # leave the soft fringe out of the comparison
    ext_rgb = unpadded(ldi, ext.rgb)[inner]
    ext_depth = unpadded(ldi, ext.depth)[inner]
    assert np.all(np.abs(ext_depth - FAR) < 0.15 * FAR)  # the plane's depth, not the square's
    to_plane = np.abs(ext_rgb - plane[inner]).mean(axis=1)
    to_square = np.abs(ext_rgb - RED).mean(axis=1)
    assert to_square.min() > 0.25
    assert np.mean(to_plane) < 0.12 and np.mean(to_plane) < np.mean(to_square) / 3


@pytest.mark.parametrize(
    "path",
    [
        [CameraPose(), CameraPose(x=STEP)],
        [CameraPose(x=-STEP), CameraPose(x=STEP)],
        [CameraPose(y=-STEP), CameraPose(y=STEP)],
        [CameraPose.looking_at(x=-STEP, focus=NEAR), CameraPose.looking_at(x=STEP, focus=NEAR)],
    ],
)
def test_no_hole_opens_within_the_path(path):
    rgb, depth, _ = scene(soft=True)
    ldi = build_ldi(rgb, depth, CAMERA, path, DiffusionInpainter())
    renderer = Renderer(ldi.layers, ldi.camera, CAMERA, fill=False)
    first, last = path[0], path[-1]
    for t in np.linspace(0.0, 1.0, 5):
        pose = CameraPose(
            x=first.x + t * (last.x - first.x),
            y=first.y + t * (last.y - first.y),
            shift_x=first.shift_x + t * (last.shift_x - first.shift_x),
        )
        coverage = renderer.render(pose).coverage
        assert coverage.min() > 0.99, (pose, int((coverage <= 0.99).sum()))


@pytest.mark.parametrize("soft", [False, True])
def test_soft_edge_leaves_no_ghost(soft):
    """Where the square's edge was, the plane shows up untinted once the square has moved."""
    rgb, depth, plane = scene(soft)
    ldi = build_ldi(rgb, depth, CAMERA, [CameraPose(), CameraPose(x=STEP)], DiffusionInpainter())
    if soft:
        alpha = ldi.layers[0].alpha
        assert alpha is not None and (alpha < 1).sum() > 0  # the blurred edge is matted
    view = Renderer(ldi.layers, ldi.camera, CAMERA).render(CameraPose(x=STEP))
    # The plane moves 0.2 * 160 / 4 = 8 px left, the square 32 px (its right edge, at 130, to
    # 98; its soft fringe moves along to 100): columns 101..126 of the new view show plane
    # that was at 109..134, behind and around the square's old right edge.
    rows = slice(SQUARE[0].start + 3, SQUARE[0].stop - 3)
    shown = view.rgb[rows, 101:126]
    truth = plane[rows, 109:134]

    def redness(image):
        return image[..., 0] - 0.5 * (image[..., 1] + image[..., 2])

    assert np.max(redness(shown) - redness(truth)) < 0.1  # the plane alone varies by 0.1
    assert np.abs(shown - truth).mean() < 0.08


def test_still_moves_a_pixel_of_disparity_d_by_d_pixels(tmp_path):
    """A rectified pair: `still --depth-kind disparity --offset-x 1` shifts disparity d by d."""
    w, h, near, far = 160, 120, 24.0, 6.0
    rgb = plane_texture(w, h)
    rgb[40:80, 60:100] = RED
    rgb[50:70, 70:74] = [1.0, 1.0, 1.0]  # a white bar to find the square by
    disparity = np.full((h, w), far, np.float32)
    disparity[40:80, 60:100] = near
    cv2.imwrite(str(tmp_path / "left.png"), np.round(rgb[..., ::-1] * 255).astype(np.uint8))
    np.save(tmp_path / "disp.npy", disparity)
    out = tmp_path / "right.png"
    args = ["still", str(tmp_path / "left.png"), "--depth", str(tmp_path / "disp.npy")]
    args += ["--depth-kind", "disparity", "--offset-x", "1", "-o", str(out), "--quiet"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    right = cv2.imread(str(out))[..., ::-1].astype(np.float32) / 255
    assert right.shape == (h, w, 3)
    white = np.nonzero((right[50:70].min(axis=2) > 0.9).any(axis=0))[0]
    assert abs(white.mean() - (71.5 - near)) <= 0.5  # the bar (x 70..73) moved 24 px left
    # The plane moved 6 px left: right-view x shows left-view x + 6 (away from the square).
    patch = (slice(5, 35), slice(20, 140))
    source = (slice(5, 35), slice(20 + int(far), 140 + int(far)))
    assert np.abs(right[patch] - rgb[source]).mean() < 0.02
