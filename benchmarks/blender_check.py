"""Open a `depthreel scene` GLB in Blender and look through its camera: does it give the photo back?

Runs under a Python that has Blender as a module (bpy, ~400 MB, so not in the dev install):

    python3.11 -m venv /tmp/bpy && /tmp/bpy/bin/pip install 'bpy<4.3'
    .venv/bin/depthreel scene assets/photos/astronaut.jpg -o /tmp/astronaut.glb
    /tmp/bpy/bin/python benchmarks/blender_check.py /tmp/astronaut.glb assets/photos/astronaut.jpg

Prints what Blender's glTF importer made of the file (objects, meshes, cameras, vertices, faces,
textures), renders the scene through the GLB's camera at the photo's size (Workbench engine,
flat texture colours, no anti-aliasing, the Standard view transform) and prints the PSNR
against the photo.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import bpy
import numpy as np


def pixels(path: Path) -> np.ndarray:
    """An image file as (H, W, 3) float in [0, 1], as stored (sRGB values)."""
    image = bpy.data.images.load(str(path))
    width, height = image.size
    data = np.array(image.pixels[:], dtype=np.float64).reshape(height, width, 4)
    return data[..., :3]


def main() -> None:
    glb, photo = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.import_scene.gltf(filepath=str(glb))
    scene = bpy.context.scene
    objects = list(scene.objects)
    meshes = [o for o in objects if o.type == "MESH"]
    cameras = [o for o in objects if o.type == "CAMERA"]
    print(
        f"Blender {bpy.app.version_string}: {len(objects)} objects, {len(meshes)} meshes "
        f"({', '.join(o.name for o in meshes)}), {len(cameras)} camera(s), "
        f"{sum(len(o.data.vertices) for o in meshes)} vertices, "
        f"{sum(len(o.data.polygons) for o in meshes)} faces, "
        f"textures: {', '.join(i.name for i in bpy.data.images) or 'none'}"
    )
    if not cameras:
        sys.exit("the GLB has no camera")
    truth = pixels(photo)
    height, width = truth.shape[:2]
    scene.camera = cameras[0]
    scene.world = bpy.data.worlds.new("empty")
    scene.render.engine = "BLENDER_WORKBENCH"
    scene.display.shading.light = "FLAT"
    scene.display.shading.color_type = "TEXTURE"
    scene.display.render_aa = "OFF"  # one sample a pixel, as the photo's own pixels
    scene.view_settings.view_transform = "Standard"
    scene.render.resolution_x, scene.render.resolution_y = width, height
    scene.render.resolution_percentage = 100
    scene.render.image_settings.file_format = "PNG"
    with tempfile.TemporaryDirectory() as folder:
        scene.render.filepath = str(Path(folder) / "view.png")
        bpy.ops.render.render(write_still=True)
        view = pixels(Path(folder) / "view.png")
    mse = float(((view - truth) ** 2).mean())
    print(f"through the GLB's camera at {width}x{height}: PSNR {10 * np.log10(1 / mse):.2f} dB")


if __name__ == "__main__":
    main()
