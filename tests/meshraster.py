"""A small numpy rasterizer for textured triangle meshes (z-buffered, perspective-correct UVs).

Used by the tests to look at exported meshes from a camera, independently of depthreel's own
splatting renderer.
"""

from __future__ import annotations

import cv2
import numpy as np

from depthreel.scene import CameraPose, Intrinsics


def project(vertices: np.ndarray, camera: Intrinsics, pose: CameraPose) -> np.ndarray:
    """(n, 3) camera-frame points (y down, z forward) to (n, 3) screen x, y and depth.

    As a 3D app's camera (glTF's symmetric frustum): the optical axis meets the image at its
    centre, ((w - 1) / 2, (h - 1) / 2) with pixel centres at integers.
    """
    centre = np.array([pose.x, pose.y, pose.z])
    cam = (vertices.astype(np.float64) - centre) @ pose.rotation().T
    z = cam[:, 2]
    cx, cy = (camera.width - 1) / 2, (camera.height - 1) / 2
    return np.stack([camera.focal * cam[:, 0] / z + cx, camera.focal * cam[:, 1] / z + cy, z], 1)


def rasterize(
    vertices: np.ndarray,
    uv: np.ndarray,
    faces: np.ndarray,
    texture: np.ndarray,
    camera: Intrinsics,
    pose: CameraPose | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Render textured triangles: (rgb (H, W, 3) float32, depth (H, W) float32, inf = empty).

    uv: (0, 0) = the texture's top-left corner. Pixel centres sit at integer coordinates.
    """
    pose = pose or CameraPose()
    h, w = camera.height, camera.width
    screen = project(vertices, camera, pose)
    tri = screen[faces]  # (m, 3, 3)
    keep = np.all(tri[:, :, 2] > 1e-6, axis=1)
    tri, faces = tri[keep], faces[keep]
    lo = np.floor(tri[:, :, :2].min(axis=1)).astype(int)
    hi = np.ceil(tri[:, :, :2].max(axis=1)).astype(int)
    size = np.maximum(hi - lo + 1, 1)
    best_z = np.full(h * w, np.inf)
    best_uv = np.zeros((h * w, 2))
    for side in np.unique(np.clip(np.maximum(size[:, 0], size[:, 1]), 1, None)):
        group = np.flatnonzero(np.maximum(size[:, 0], size[:, 1]) == side)
        oy, ox = np.mgrid[0:side, 0:side]
        for chunk in np.array_split(group, max(1, len(group) * side * side // 2_000_000 + 1)):
            t = tri[chunk]
            px = lo[chunk, 0, None] + ox.ravel()[None, :]
            py = lo[chunk, 1, None] + oy.ravel()[None, :]
            (x0, y0), (x1, y1), (x2, y2) = ((t[:, i, 0, None], t[:, i, 1, None]) for i in range(3))
            area = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)
            safe = np.where(np.abs(area) < 1e-12, 1e-12, area)
            b1 = ((px - x0) * (y2 - y0) - (x2 - x0) * (py - y0)) / safe
            b2 = ((x1 - x0) * (py - y0) - (px - x0) * (y1 - y0)) / safe
            b0 = 1.0 - b1 - b2
            eps = -1e-5  # pixel centres on a shared edge count for both sides
            inside = (b0 >= eps) & (b1 >= eps) & (b2 >= eps) & (np.abs(area) >= 1e-12)
            inside &= (px >= 0) & (px < w) & (py >= 0) & (py < h)
            inv_z = b0 / t[:, 0, 2, None] + b1 / t[:, 1, 2, None] + b2 / t[:, 2, 2, None]
            z = 1.0 / inv_z
            f = faces[chunk]
            tuv = uv[f]  # (k, 3, 2)
            u_tex = (
                b0 * tuv[:, 0, 0, None] / t[:, 0, 2, None]
                + b1 * tuv[:, 1, 0, None] / t[:, 1, 2, None]
                + b2 * tuv[:, 2, 0, None] / t[:, 2, 2, None]
            ) * z
            v_tex = (
                b0 * tuv[:, 0, 1, None] / t[:, 0, 2, None]
                + b1 * tuv[:, 1, 1, None] / t[:, 1, 2, None]
                + b2 * tuv[:, 2, 1, None] / t[:, 2, 2, None]
            ) * z
            pix = (py * w + px)[inside]
            zs, us, vs = z[inside], u_tex[inside], v_tex[inside]
            order = np.lexsort((zs, pix))
            pix, zs, us, vs = pix[order], zs[order], us[order], vs[order]
            first = np.ones(len(pix), bool)
            first[1:] = pix[1:] != pix[:-1]
            pix, zs, us, vs = pix[first], zs[first], us[first], vs[first]
            nearer = zs < best_z[pix]
            pix = pix[nearer]
            best_z[pix] = zs[nearer]
            best_uv[pix] = np.stack([us[nearer], vs[nearer]], 1)
    th, tw = texture.shape[:2]
    map_x = (best_uv[:, 0] * tw - 0.5).reshape(h, w).astype(np.float32)
    map_y = (best_uv[:, 1] * th - 0.5).reshape(h, w).astype(np.float32)
    rgb = cv2.remap(
        texture.astype(np.float32), map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    depth = best_z.reshape(h, w).astype(np.float32)
    rgb[~np.isfinite(depth)] = 0.0
    return rgb, depth


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10.0 * np.log10(1.0 / max(mse, 1e-12))
