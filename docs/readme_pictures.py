"""Make the README's "Beyond video" pictures with the depthreel command line.

    .venv/bin/python docs/readme_pictures.py

Writes assets/readme/{scene,cutout,refocus,upscale}.jpg from assets/photos/ (the built-in
`classic` estimator, so anyone can reproduce them without downloading a model). The scene
picture shows the GLB that `depthreel scene` wrote, read back with trimesh and drawn from
three viewpoints by the tests' small rasterizer (tests/meshraster.py).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PHOTOS = ROOT / "assets" / "photos"
OUT = ROOT / "assets" / "readme"
HEIGHT = 300  # every panel is this tall
QUALITY = 85


def depthreel(*args: object) -> None:
    command = [sys.executable, "-m", "depthreel", *map(str, args), "--estimator", "classic"]
    subprocess.run([*command, "--force", "--quiet"], check=True)


def panel(image: np.ndarray, label: str) -> np.ndarray:
    """`image` (float RGB) scaled to HEIGHT with a caption strip, as 8-bit BGR."""
    h, w = image.shape[:2]
    scaled = cv2.resize(image, (round(w * HEIGHT / h), HEIGHT), interpolation=cv2.INTER_AREA)
    out = np.clip(scaled[..., ::-1] * 255 + 0.5, 0, 255).astype(np.uint8)
    cv2.rectangle(out, (0, HEIGHT - 24), (out.shape[1], HEIGHT), (0, 0, 0), -1)
    cv2.putText(
        out, label, (8, HEIGHT - 7), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA
    )
    return out


def save(name: str, panels: list[np.ndarray]) -> None:
    gap = np.full((HEIGHT, 6, 3), 255, np.uint8)
    row = [p for panel_ in panels for p in (panel_, gap)][:-1]
    path = OUT / name
    cv2.imwrite(str(path), np.concatenate(row, axis=1), [cv2.IMWRITE_JPEG_QUALITY, QUALITY])
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")


def read(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA).astype(np.float32) / 255
    return image[..., ::-1].astype(np.float32) / 255


def checker(shape: tuple[int, int], size: int = 16) -> np.ndarray:
    board = (np.indices(shape).sum(axis=0) // size) % 2
    return (0.62 + 0.25 * board)[..., None].repeat(3, axis=2).astype(np.float32)


def scene_views(glb: Path, photo: Path) -> list[np.ndarray]:
    import trimesh

    sys.path.insert(0, str(ROOT / "tests"))
    from meshraster import rasterize

    from depthreel.photo import load_photo
    from depthreel.scene import CameraPose
    from depthreel.still import photo_camera

    camera = photo_camera(load_photo(photo))
    meshes = []
    for geometry in trimesh.load(glb).geometry.values():
        uv = np.asarray(geometry.visual.uv, np.float64).copy()
        uv[:, 1] = 1.0 - uv[:, 1]
        texture = np.asarray(geometry.visual.material.baseColorTexture.convert("RGB"))
        vertices = np.asarray(geometry.vertices) * [1.0, -1.0, -1.0]
        meshes.append((vertices, uv, np.asarray(geometry.faces), texture / 255.0))
    views = []
    for x, yaw in ((-0.15, 0.05), (0.0, 0.0), (0.15, -0.05)):
        pose = CameraPose(x=x, z=-0.05, yaw=yaw)
        drawn = [rasterize(*mesh, camera, pose) for mesh in meshes]
        depth = np.stack([z for _, z in drawn])
        front = np.argmin(depth, axis=0)
        rgb = np.choose(front[..., None], [image for image, _ in drawn])
        rgb[~np.isfinite(depth.min(axis=0))] = 1.0
        views.append(rgb.astype(np.float32))
    return views


def main() -> None:
    from depthreel.upscale import LanczosUpscaler

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        astronaut, rocket, chelsea = (
            PHOTOS / f"{n}.jpg" for n in ("astronaut", "rocket", "chelsea")
        )

        depthreel("scene", astronaut, "-o", tmp / "astronaut.glb")
        left, front, right = scene_views(tmp / "astronaut.glb", astronaut)
        save(
            "scene.jpg",
            [
                panel(left, "scene.glb from the left"),
                panel(front, "from the photo's camera"),
                panel(right, "from the right"),
            ],
        )

        depthreel("cutout", rocket, "-o", tmp / "rocket.png")
        rgba = read(tmp / "rocket.png")
        a = rgba[..., 3:]
        on_checker = rgba[..., :3] * a + checker(a.shape[:2]) * (1 - a)
        save("cutout.jpg", [panel(read(rocket), "rocket.jpg"), panel(on_checker, "cutout")])

        depthreel("refocus", chelsea, "-o", tmp / "chelsea.jpg")
        depthreel("refocus", astronaut, "--background", rocket, "-o", tmp / "moved.jpg")
        save(
            "refocus.jpg",
            [
                panel(read(chelsea), "chelsea.jpg"),
                panel(read(tmp / "chelsea.jpg"), "refocus"),
                panel(read(tmp / "moved.jpg"), "refocus --background rocket.jpg"),
            ],
        )

        photo = read(rocket)
        crop = photo[150:210, 0:80]  # the left tower's lattice
        size = (crop.shape[1] * 4, crop.shape[0] * 4)
        cubic = np.clip(cv2.resize(crop, size, interpolation=cv2.INTER_CUBIC), 0, 1)
        save(
            "upscale.jpg",
            [
                panel(cubic, "bicubic x4"),
                panel(LanczosUpscaler().upscale(crop, size), "lanczos x4"),
            ],
        )


if __name__ == "__main__":
    main()
