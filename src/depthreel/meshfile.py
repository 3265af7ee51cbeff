"""Write a SceneMesh as glTF binary (.glb), PLY or Wavefront OBJ, as meshes or a point cloud.

All formats use the glTF axes (x right, y up, z towards the viewer), so the photo's camera
sits at the origin looking down -z; the GLB carries that camera (the photo's field of view)
as its first node. GLB (pygltflib): unlit, double-sided textured meshes with the photo and
the inpainted background embedded as JPEG, or coloured POINTS. PLY and OBJ (trimesh): PLY
holds vertex colours (mesh or points); OBJ writes OBJ + MTL + JPEG textures beside it.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any, cast

import numpy as np

from depthreel import __version__
from depthreel.errors import DepthreelError
from depthreel.mesh import SceneMesh
from depthreel.outputs import atomic_output, check_output

FORMATS = (".glb", ".ply", ".obj")
MAX_TEXTURE = 4096  # texture long side: what WebGL viewers and phones reliably load
JPEG_QUALITY = 95  # with full-resolution chroma (4:4:4): colour edges stay sharp
TEXTURE_NAMES = ("photo", "background")  # depthreel.mesh names its textures so
TO_GLTF = np.array([1.0, -1.0, -1.0], np.float32)  # depthreel (y down, z forward) to glTF axes


def scene_format(path: Path, points: bool) -> str:
    """The format for an output path ('glb', 'ply' or 'obj'); bad suffixes are one-line errors."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise DepthreelError(f"output {path} must end in .glb, .ply or .obj")
    if points and suffix == ".obj":
        raise DepthreelError("--points writes .glb or .ply; OBJ holds meshes only")
    return suffix[1:]


def scene_files(path: Path, points: bool) -> list[Path]:
    """Every file writing a scene to `path` creates (OBJ: also its MTL and textures)."""
    path = Path(path)
    if scene_format(path, points) != "obj":
        return [path]
    side = [f"{path.stem}.mtl"] + [f"{path.stem}-{name}.jpeg" for name in TEXTURE_NAMES]
    return [path] + [path.with_name(name) for name in side]


def texture_jpeg(image: np.ndarray, max_side: int = MAX_TEXTURE) -> bytes:
    """Encode a float RGB texture as JPEG, shrunk so its long side is at most `max_side`."""
    import cv2

    h, w = image.shape[:2]
    scale = max_side / max(h, w)
    if scale < 1:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    data = np.clip(image * 255 + 0.5, 0, 255).astype(np.uint8)
    params = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY, cv2.IMWRITE_JPEG_SAMPLING_FACTOR, 0x111111]
    ok, encoded = cv2.imencode(".jpg", data[..., ::-1], params)
    if not ok:
        raise DepthreelError("could not encode the texture as JPEG")
    return encoded.tobytes()


def _points(mesh: SceneMesh) -> tuple[np.ndarray, np.ndarray]:
    vertices = np.concatenate([s.vertices for s in mesh.surfaces]) * TO_GLTF
    colors = np.concatenate([s.colors for s in mesh.surfaces])
    return vertices.astype(np.float32), np.clip(colors, 0.0, 1.0).astype(np.float32)


class _Blob:
    """The GLB binary chunk: buffer views appended 4-byte aligned."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def add(self, data: bytes, target: int | None = None) -> object:
        import pygltflib as gl

        view = gl.BufferView(buffer=0, byteOffset=self.size, byteLength=len(data), target=target)
        pad = (-len(data)) % 4
        self.parts.append(data + b"\0" * pad)
        self.size += len(data) + pad
        return view


def glb_bytes(mesh: SceneMesh, points: bool = False) -> bytes:
    """The scene as a GLB file's bytes."""
    import pygltflib as gl

    doc = gl.GLTF2(asset=gl.Asset(generator=f"depthreel {__version__}"))
    blob = _Blob()

    def view(data: bytes, target: int | None = None) -> int:
        doc.bufferViews.append(blob.add(data, target))
        return len(doc.bufferViews) - 1

    def accessor(array: np.ndarray, kind: str, target: int, bounds: bool = False) -> int:
        component = gl.UNSIGNED_INT if array.dtype == np.uint32 else gl.FLOAT
        doc.accessors.append(
            gl.Accessor(
                bufferView=view(np.ascontiguousarray(array).tobytes(), target),
                componentType=component,
                count=len(array),
                type=kind,
                min=array.min(axis=0).tolist() if bounds else None,
                max=array.max(axis=0).tolist() if bounds else None,
            )
        )
        return len(doc.accessors) - 1

    cam = mesh.camera
    doc.cameras.append(
        gl.Camera(
            type=gl.PERSPECTIVE,
            name="photo",
            perspective=gl.Perspective(
                yfov=2.0 * math.atan(cam.height / (2.0 * cam.focal)),
                aspectRatio=cam.width / cam.height,
                znear=0.01,
            ),
        )
    )
    doc.nodes.append(gl.Node(name="photo camera", camera=0))
    unlit: dict[str, Any] = {"KHR_materials_unlit": {}}
    doc.extensionsUsed = ["KHR_materials_unlit"]
    if points:
        vertices, colors = _points(mesh)
        doc.materials.append(gl.Material(name="points", extensions=unlit))
        attributes = gl.Attributes(
            POSITION=accessor(vertices, gl.VEC3, gl.ARRAY_BUFFER, bounds=True),
            COLOR_0=accessor(colors, gl.VEC3, gl.ARRAY_BUFFER),
        )
        primitive = gl.Primitive(attributes=attributes, material=0, mode=gl.POINTS)
        doc.meshes.append(gl.Mesh(name="points", primitives=[primitive]))
        doc.nodes.append(gl.Node(name="points", mesh=0))
    else:
        doc.samplers.append(
            gl.Sampler(
                magFilter=gl.LINEAR,
                minFilter=gl.LINEAR_MIPMAP_LINEAR,
                wrapS=gl.CLAMP_TO_EDGE,
                wrapT=gl.CLAMP_TO_EDGE,
            )
        )
        for index, (image, name) in enumerate(zip(mesh.textures, mesh.texture_names, strict=True)):
            doc.images.append(
                gl.Image(name=name, mimeType=gl.IMAGEJPEG, bufferView=view(texture_jpeg(image)))
            )
            doc.textures.append(gl.Texture(sampler=0, source=index, name=name))
            pbr = gl.PbrMetallicRoughness(
                baseColorTexture=gl.TextureInfo(index=index), metallicFactor=0.0
            )
            doc.materials.append(
                gl.Material(name=name, pbrMetallicRoughness=pbr, doubleSided=True, extensions=unlit)
            )
        for surface in mesh.surfaces:
            attributes = gl.Attributes(
                POSITION=accessor(surface.vertices * TO_GLTF, gl.VEC3, gl.ARRAY_BUFFER, True),
                TEXCOORD_0=accessor(surface.uv, gl.VEC2, gl.ARRAY_BUFFER),
            )
            faces = surface.faces.astype(np.uint32).ravel()
            indices = accessor(faces, gl.SCALAR, gl.ELEMENT_ARRAY_BUFFER)
            primitive = gl.Primitive(
                attributes=attributes, indices=indices, material=surface.texture
            )
            doc.meshes.append(gl.Mesh(name=surface.name, primitives=[primitive]))
            doc.nodes.append(gl.Node(name=surface.name, mesh=len(doc.meshes) - 1))
    doc.scenes.append(gl.Scene(name="depthreel", nodes=list(range(len(doc.nodes)))))
    doc.scene = 0
    doc.buffers.append(gl.Buffer(byteLength=blob.size))
    doc.set_binary_blob(b"".join(blob.parts))
    return b"".join(doc.save_to_bytes())


def ply_bytes(mesh: SceneMesh, points: bool = False) -> bytes:
    """Binary PLY: one mesh of all surfaces with vertex colours, or the coloured points."""
    import trimesh

    vertices, colors = _points(mesh)
    rgba = np.clip(np.column_stack([colors, np.ones(len(colors))]) * 255 + 0.5, 0, 255)
    rgba = rgba.astype(np.uint8)
    if points:
        geometry: trimesh.PointCloud | trimesh.Trimesh = trimesh.PointCloud(vertices, rgba)
    else:
        offsets = np.cumsum([0] + [len(s.vertices) for s in mesh.surfaces[:-1]])
        faces = np.concatenate([s.faces + o for s, o in zip(mesh.surfaces, offsets, strict=True)])
        geometry = trimesh.Trimesh(vertices, faces, vertex_colors=rgba, process=False)
    return bytes(cast(bytes, geometry.export(file_type="ply")))


def obj_files(mesh: SceneMesh, path: Path) -> dict[Path, bytes]:
    """The OBJ, its MTL and one JPEG per texture, keyed by the path each is written to."""
    import trimesh
    from PIL import Image
    from trimesh.exchange.obj import export_obj

    stem = path.stem
    names = [f"{stem}-{name}" for name in mesh.texture_names]
    jpegs = [texture_jpeg(image) for image in mesh.textures]
    materials = [
        trimesh.visual.material.SimpleMaterial(
            image=Image.open(io.BytesIO(data)),
            name=name,
            ambient=(255, 255, 255, 255),
            diffuse=(255, 255, 255, 255),
            specular=(0, 0, 0, 255),
        )
        for name, data in zip(names, jpegs, strict=True)
    ]
    geometry: dict[str, Any] = {}
    for surface in mesh.surfaces:
        uv = surface.uv.astype(np.float64).copy()
        uv[:, 1] = 1.0 - uv[:, 1]  # trimesh: v up from the bottom
        visual = trimesh.visual.TextureVisuals(uv=uv, material=materials[surface.texture])
        geometry[surface.name] = trimesh.Trimesh(
            surface.vertices * TO_GLTF, surface.faces, visual=visual, process=False
        )
    text, extra = export_obj(
        trimesh.Scene(geometry),
        include_normals=False,
        include_color=False,
        return_texture=True,
        mtl_name=f"{stem}.mtl",
    )
    files = {path: text.encode()}
    for name, data in extra.items():
        if name.endswith(".mtl"):
            files[path.with_name(name)] = data
    # The textures under the names the MTL gives them, as our own JPEGs (not re-encoded).
    for name, data in zip(names, jpegs, strict=True):
        files[path.with_name(f"{name}.jpeg")] = data
    if not all(f"{name}.jpeg" in extra for name in names):
        raise DepthreelError("the OBJ writer named the textures unexpectedly")
    return files


def write_scene(mesh: SceneMesh, path: Path, points: bool, force: bool) -> list[Path]:
    """Write the scene to `path` (format from its suffix) atomically; return the files written."""
    kind = scene_format(path, points)
    if kind == "glb":
        files = {path: glb_bytes(mesh, points)}
    elif kind == "ply":
        files = {path: ply_bytes(mesh, points)}
    else:
        files = obj_files(mesh, path)
    for target in scene_files(path, points):
        check_output(target, force)
    for target, data in files.items():
        with atomic_output(target, force) as tmp:
            tmp.write_bytes(data)
    return list(files)
