"""`depthreel scene`: meshes and point clouds with known geometry, read back by real parsers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from click.testing import CliRunner
from meshraster import psnr, rasterize

from depthreel.cli import cli
from depthreel.scene import Intrinsics

W, H = 240, 160
BOX = (slice(50, 110), slice(80, 160))  # rows, columns of the near box
FOCAL = 200.0


def true_depth(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The synthetic geometry: a slanted far wall (Z 4 to ~5.7) and a box at Z = 1."""
    wall = 1.0 / (0.25 - 0.075 * np.clip(u + 0.5, 0, W) / W)
    box = (v >= BOX[0].start - 0.5) & (v < BOX[0].stop - 0.5)
    box &= (u >= BOX[1].start - 0.5) & (u < BOX[1].stop - 0.5)
    return np.where(box, 1.0, wall)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A textured photo and its metric depth map (.npy)."""
    from PIL import Image

    folder = tmp_path_factory.mktemp("scene")
    rng = np.random.default_rng(5)
    wall = cv_resize(rng.random((H // 8, W // 8, 3)), (W, H))
    box = 0.6 + 0.4 * cv_resize(rng.random((6, 8, 3)), (W, H))
    image = wall * 0.8
    image[BOX] = box[BOX] * [1.0, 0.5, 0.3]
    rgb = np.clip(image * 255 + 0.5, 0, 255).astype(np.uint8)
    Image.fromarray(rgb).save(folder / "photo.png")
    v, u = np.mgrid[0:H, 0:W].astype(np.float64)
    np.save(folder / "depth.npy", true_depth(u, v).astype(np.float32))
    return folder, rgb.astype(np.float32) / 255


def cv_resize(image, size):
    import cv2

    return cv2.resize(image.astype(np.float32), size, interpolation=cv2.INTER_CUBIC)


def export(folder, name, *extra):
    out = folder / name
    args = ["scene", folder / "photo.png", "-o", out, "--depth", folder / "depth.npy"]
    args += ["--depth-kind", "metric", "--focal", FOCAL, "--force", "--quiet", *extra]
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return out


def to_camera(vertices):
    """glTF axes (y up, z towards the viewer) back to depthreel's (y down, z forward)."""
    return np.asarray(vertices, np.float64) * [1.0, -1.0, -1.0]


def image_coords(points):
    return FOCAL * points[:, 0] / points[:, 2] + W / 2, FOCAL * points[:, 1] / points[:, 2] + H / 2


def glb_meshes(path):
    import trimesh

    loaded = trimesh.load(path)
    meshes = {}
    for name, geometry in loaded.geometry.items():
        texture = np.asarray(geometry.visual.material.baseColorTexture.convert("RGB"))
        uv = np.asarray(geometry.visual.uv, np.float64).copy()
        uv[:, 1] = 1.0 - uv[:, 1]  # trimesh counts v from the bottom
        meshes[name] = (to_camera(geometry.vertices), uv, np.asarray(geometry.faces), texture)
    return loaded, meshes


def test_glb_has_textured_meshes_with_the_true_depths(synthetic):
    folder, _ = synthetic
    path = export(folder, "scene.glb")
    loaded, meshes = glb_meshes(path)
    assert set(meshes) == {"photo", "background"}
    assert loaded.camera.fov[1] == pytest.approx(math.degrees(2 * math.atan(H / 2 / FOCAL)))

    vertices, _, faces, texture = meshes["photo"]
    assert texture.shape == (H, W, 3)  # the photo itself is the texture
    assert 0.97 * W * H <= len(vertices) <= W * H  # one vertex per pixel at this size
    assert len(faces) > 1.9 * W * H
    u, v = image_coords(vertices)
    error = np.abs(vertices[:, 2] / true_depth(u, v) - 1)
    assert np.mean(error < 0.01) > 0.98 and np.quantile(error, 0.9) < 0.002

    # Nothing stretches from the box (Z = 1) to the wall (Z >= 4).
    z = vertices[faces, 2]
    assert (z.max(axis=1) / z.min(axis=1)).max() < 1.5

    # The inpainted background lies behind the box, on the wall, where the box hides it.
    back = meshes["background"][0]
    u, v = image_coords(back)
    inside = (u > 85) & (u < 155) & (v > 55) & (v < 105)
    assert inside.sum() > 200
    wall = 1.0 / (0.25 - 0.075 * np.clip(u + 0.5, 0, W) / W)
    assert np.all(back[:, 2] > 0.99 * wall)  # never in front of the wall, so behind the box
    assert np.all(back[inside, 2] < 1.15 * wall[inside])


def test_reprojecting_the_glb_gives_back_the_photo(synthetic):
    folder, photo = synthetic
    path = export(folder, "scene.glb")
    _, meshes = glb_meshes(path)
    camera = Intrinsics.centered(W, H, FOCAL)
    layers = [rasterize(*mesh[:3], mesh[3] / 255.0, camera) for mesh in meshes.values()]
    depth = np.min([z for _, z in layers], axis=0)
    assert np.isfinite(depth).all()  # no holes
    front = np.argmin([z for _, z in layers], axis=0)
    rgb = np.choose(front[..., None], [image for image, _ in layers])
    assert psnr(rgb, photo) > 40.0


def test_detail_sets_the_grid_and_points_follow_the_photo(synthetic):
    import cv2
    import trimesh

    folder, photo = synthetic
    path = export(folder, "cloud.ply", "--points", "--detail", 120)
    cloud = trimesh.load(path)
    assert isinstance(cloud, trimesh.PointCloud)
    grid = 120 * 80
    assert 1.1 * grid < len(cloud.vertices) < 2 * grid  # the grid, plus the hidden background
    points = to_camera(cloud.vertices)
    u, v = image_coords(points)
    colours = np.asarray(cloud.colors)[:, :3] / 255.0
    visible = np.abs(points[:, 2] / true_depth(u, v) - 1) < 0.01
    small = cv2.resize(photo, (120, 80), interpolation=cv2.INTER_AREA)  # one point per 2x2
    col = np.clip(np.round((u + 0.5) / 2 - 0.5), 0, 119).astype(int)
    row = np.clip(np.round((v + 0.5) / 2 - 0.5), 0, 79).astype(int)
    assert np.mean(np.abs(colours[visible] - small[row, col][visible])) < 0.01


def test_obj_writes_material_and_textures(synthetic):
    import trimesh

    folder, _ = synthetic
    path = export(folder, "scene.obj", "--detail", 60)
    names = {"scene.obj", "scene.mtl", "scene-photo.jpeg", "scene-background.jpeg"}
    assert names <= {p.name for p in folder.iterdir()}
    loaded = trimesh.load(path)
    textured = [g for g in loaded.geometry.values() if g.visual.material.image is not None]
    assert len(textured) == 2


def test_scene_errors_are_one_line(synthetic):
    folder, _ = synthetic
    photo = folder / "photo.png"
    for args, fragment in [
        (["-o", folder / "scene.fbx"], "must end in .glb, .ply or .obj"),
        (["-o", folder / "points.obj", "--points"], "--points writes .glb or .ply"),
        (["-o", folder / "x.glb", "--depth", folder / "missing.npy"], "missing.npy"),
    ]:
        result = CliRunner().invoke(cli, ["scene", str(photo), *map(str, args)])
        assert result.exit_code == 1
        assert result.output.strip().splitlines() == [result.output.strip()]
        assert fragment in result.output
    existing = export(folder, "exists.glb", "--detail", 32)
    before = existing.read_bytes()
    result = CliRunner().invoke(cli, ["scene", str(photo), "-o", str(existing)])
    assert result.exit_code == 1 and "already exists; use --force" in result.output
    assert existing.read_bytes() == before


def test_a_real_photo_has_no_holes_from_its_camera(tmp_path):
    """Estimated depth (soft, ramped edges): the meshes still cover the whole photo."""
    from pathlib import Path

    from depthreel.photo import load_photo
    from depthreel.still import photo_camera

    photo = Path(__file__).resolve().parent.parent / "assets" / "photos" / "astronaut.jpg"
    out = tmp_path / "astronaut.glb"
    args = ["scene", photo, "-o", out, "--estimator", "classic", "--detail", 256, "--quiet"]
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    _, meshes = glb_meshes(out)
    assert set(meshes) == {"photo", "background"}
    image = load_photo(photo)
    camera = photo_camera(image)
    depth = np.min([rasterize(*m[:3], m[3] / 255.0, camera)[1] for m in meshes.values()], axis=0)
    assert np.isfinite(depth).all()
