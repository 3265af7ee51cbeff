"""A photo as 3D surfaces: the layered depth image turned into textured triangle meshes.

The layered depth image (LDI) is built on a grid of about `detail` pixels along the long side,
one vertex per grid pixel, for a range of camera moves around the photo's viewpoint. Depth
ramps (an estimator's soft outlines) are first snapped to steps. Two meshes come out:

- "photo": the photo's own surface, textured with the photo. Triangles that straddle a depth
  edge (a vertex on the edge's background side and a spread in inverse depth beyond the LDI's
  least edge step), or whose inverse depths spread more than MAX_STEP anywhere, are dropped,
  so no rubber sheet stretches from the foreground to the background.
- "background": the backdrop behind the foreground: the LDI's hidden pixels (asked to reach
  REACH of the frame behind every edge) with the LDI's inpainted colour, at the depth of the
  visible background continued underneath, joined to the visible background at the edges.
  Where the photo's surface tore and the backdrop cannot follow continuously, it bridges
  the tear behind the photo's surface, so the photo's own camera sees no hole. Its texture
  is the photo with the inpainted colours where the foreground hides them.

Coordinates follow depthreel.scene (x right, y down, z forward from the photo's camera);
depthreel.meshfile converts them to the file format's axes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from depthreel.imaging import push_pull
from depthreel.inpaint import Inpainter
from depthreel.ldi import LDIOptions, build_ldi, sharpen_steps
from depthreel.scene import CameraPose, Intrinsics

DEFAULT_DETAIL = 512  # grid pixels along the long side: ~0.4 M triangles per surface
VIEW_RANGE = 0.15  # the LDI serves camera moves up to this share of the subject's distance
RAMP = 0.008  # depth ramps up to this share of the grid's long side (each side) become steps
BEHIND = 0.08  # the backdrop stays at least this much (relative) behind the foreground
SQUARE = np.ones((3, 3), np.uint8)
REACH = 0.25  # the hidden background extends this share of the grid's long side behind edges
MAX_STEP = 0.25  # a triangle whose inverse depths spread more than this (relative) is cut


@dataclass
class Surface:
    """One mesh: vertices in camera coordinates, texture coordinates, triangles, colours.

    uv: (n, 2) in [0, 1], (0, 0) = the texture's top-left corner. faces: (m, 3) int64 vertex
    indices, counter-clockwise as seen from the photo's camera. colors: (n, 3) float32 RGB at
    each vertex (for vertex-coloured formats and point clouds).
    """

    name: str
    vertices: np.ndarray
    uv: np.ndarray
    faces: np.ndarray
    colors: np.ndarray
    texture: int  # index into SceneMesh.textures


@dataclass
class SceneMesh:
    """The surfaces of a photo, their textures (float32 RGB), and the photo's camera."""

    surfaces: list[Surface]
    textures: list[np.ndarray]
    texture_names: list[str]
    camera: Intrinsics
    grid: tuple[int, int]  # (width, height) of the vertex grid
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def vertex_count(self) -> int:
        return sum(len(s.vertices) for s in self.surfaces)

    @property
    def face_count(self) -> int:
        return sum(len(s.faces) for s in self.surfaces)


def grid_size(width: int, height: int, detail: int) -> tuple[int, int]:
    """(gw, gh): the vertex grid for a photo, `detail` along the long side (never upsampled)."""
    scale = min(1.0, detail / max(width, height))
    return max(2, round(width * scale)), max(2, round(height * scale))


def viewing_poses(focus_depth: float, reach: float = VIEW_RANGE) -> list[CameraPose]:
    """Camera moves the layered depth image must serve: sideways, up, down, in and out."""
    r = reach * focus_depth
    moves = [(r, 0, 0), (-r, 0, 0), (0, r, 0), (0, -r, 0), (0, 0, r), (0, 0, -r)]
    return [CameraPose()] + [CameraPose(x=float(x), y=float(y), z=float(z)) for x, y, z in moves]


def grid_coordinates(size: int, grid: int) -> np.ndarray:
    """Photo pixel coordinates of the grid's vertices along one axis.

    Grid pixel k covers photo pixels [k * s - 0.5, (k + 1) * s - 0.5) with s = size / grid; its
    vertex sits at the centre, except the first and last, which move out to the photo's edges
    so the mesh covers the whole picture.
    """
    step = size / grid
    coords = (np.arange(grid) + 0.5) * step - 0.5
    coords[0], coords[-1] = -0.5, size - 0.5
    return coords


def _triangles(
    present: np.ndarray,
    inverse: np.ndarray,
    max_step: float,
    marked: np.ndarray,
    marked_step: float,
    need_marked: bool = False,
    bridge: np.ndarray | None = None,
) -> np.ndarray:
    """Valid triangles of a vertex grid as (m, 3) flat vertex indices, CCW from the camera.

    A triangle is valid when its vertices are present and their inverse depths spread at most
    `max_step` (relative), or at most `marked_step` when one of them is `marked` (a depth edge
    pixel); with need_marked, a triangle must also have a marked vertex. In the cells where
    `bridge` (H-1, W-1) is True, any triangle of present vertices is valid. Each grid cell
    (TL, TR, BL, BR) is split along the diagonal that keeps more triangles, else the one whose
    ends are closer in depth.
    """
    h, w = present.shape
    index = np.arange(h * w).reshape(h, w)
    corners = {
        "tl": (slice(0, -1), slice(0, -1)),
        "tr": (slice(0, -1), slice(1, None)),
        "bl": (slice(1, None), slice(0, -1)),
        "br": (slice(1, None), slice(1, None)),
    }
    idx = {k: index[s].ravel() for k, s in corners.items()}
    ok = {k: present[s].ravel() for k, s in corners.items()}
    mark = {k: marked[s].ravel() for k, s in corners.items()}
    inv = {k: np.where(present, inverse, 0.0)[s].ravel() for k, s in corners.items()}
    always = np.zeros(len(idx["tl"]), bool) if bridge is None else bridge.ravel()

    def valid(a: str, b: str, c: str) -> np.ndarray:
        hi = np.maximum(np.maximum(inv[a], inv[b]), inv[c])
        lo = np.minimum(np.minimum(inv[a], inv[b]), inv[c])
        touches = mark[a] | mark[b] | mark[c]
        bound = np.where(touches, marked_step, max_step)
        present3 = ok[a] & ok[b] & ok[c]
        good = present3 & ((hi - lo) <= bound * hi)
        good = good & touches if need_marked else good
        return good | (present3 & always)

    # Diagonal TL-BR: (TL, BL, BR), (TL, BR, TR). Diagonal TR-BL: (TL, BL, TR), (BL, BR, TR).
    a1, a2 = valid("tl", "bl", "br"), valid("tl", "br", "tr")
    b1, b2 = valid("tl", "bl", "tr"), valid("bl", "br", "tr")
    count_a = a1.astype(int) + a2
    count_b = b1.astype(int) + b2
    closer_b = np.abs(inv["tr"] - inv["bl"]) < np.abs(inv["tl"] - inv["br"])
    use_a = (count_a > count_b) | ((count_a == count_b) & ~closer_b)
    tris = [
        np.stack([idx["tl"], idx["bl"], idx["br"]], 1)[use_a & a1],
        np.stack([idx["tl"], idx["br"], idx["tr"]], 1)[use_a & a2],
        np.stack([idx["tl"], idx["bl"], idx["tr"]], 1)[~use_a & b1],
        np.stack([idx["bl"], idx["br"], idx["tr"]], 1)[~use_a & b2],
    ]
    return np.concatenate(tris).astype(np.int64)


def torn_cells(faces: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(H-1, W-1) bool: the grid cells that kept fewer than their two triangles."""
    h, w = shape
    rows, cols = np.divmod(faces, w)
    cell = rows.min(axis=1) * (w - 1) + cols.min(axis=1)  # a triangle's cell: its top-left
    kept = np.bincount(cell, minlength=(h - 1) * (w - 1)).reshape(h - 1, w - 1)
    return np.asarray(kept < 2)


def cell_corners(cells: np.ndarray) -> np.ndarray:
    """(H, W) bool: the corners of the marked (H-1, W-1) cells."""
    h, w = cells.shape
    out = np.zeros((h + 1, w + 1), bool)
    for dy in (0, 1):
        for dx in (0, 1):
            out[dy : dy + h, dx : dx + w] |= cells
    return out


def _surface(
    name: str,
    faces: np.ndarray,
    depth: np.ndarray,
    colors: np.ndarray,
    us: np.ndarray,
    vs: np.ndarray,
    camera: Intrinsics,
    texture: int,
) -> Surface:
    """Keep the vertices the faces use, unproject them with the photo's camera, set UVs."""
    h, w = depth.shape
    used = np.unique(faces)
    remap = np.full(h * w, -1, np.int64)
    remap[used] = np.arange(len(used))
    rows, cols = np.divmod(used, w)
    u, v, z = us[cols], vs[rows], depth.ravel()[used].astype(np.float64)
    # A 3D app's camera (glTF's) looks through the image's centre, (w - 1) / 2 with pixel
    # centres at integers; depthreel's principal point is at w / 2 (Intrinsics.centered).
    cx, cy = camera.cx - 0.5, camera.cy - 0.5
    vertices = np.stack([(u - cx) * z / camera.focal, (v - cy) * z / camera.focal, z], axis=1)
    uv = np.stack([(u + 0.5) / camera.width, (v + 0.5) / camera.height], axis=1)
    return Surface(
        name=name,
        vertices=vertices.astype(np.float32),
        uv=uv.astype(np.float32),
        faces=remap[faces],
        colors=colors.reshape(-1, 3)[used].astype(np.float32),
        texture=texture,
    )


def backdrop_depth(depth: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Depth of the background under the `hidden` pixels: the visible background continued.

    The LDI's extension lies behind each edge at that edge's background depth, which inside a
    large foreground with edges of its own (eyes, folds) drifts towards the foreground. A
    backdrop seen from the side should continue what is visible around the foreground, so
    its inverse depth is pushed and pulled in from the pixels nothing hides, and kept at
    least BEHIND behind the foreground.
    """
    visible = np.isfinite(depth) & (depth > 0) & ~hidden
    inverse = np.where(visible, 1.0 / np.where(visible, depth, 1.0), 0.0).astype(np.float32)
    if not visible.any():
        return (depth * (1.0 + BEHIND)).astype(np.float32)
    continued = 1.0 / np.maximum(push_pull(inverse, visible.astype(np.float32)), 1e-9)
    return np.maximum(continued, depth * (1.0 + BEHIND)).astype(np.float32)


def background_texture(photo: np.ndarray, grid_rgb: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """The photo, with the inpainted colours only where the photo's mesh surely hides them.

    The photo's mesh ends at its outermost vertices, so grid pixels on its border are partly
    seen on the background: those (and everything the camera sees) keep the photo's pixels,
    which makes the view from the photo's camera exact.
    """
    h, w = photo.shape[:2]
    inner = cv2.erode(hidden.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(np.float32)
    inside = cv2.resize(inner, (w, h), interpolation=cv2.INTER_LINEAR) >= 0.999
    colour = cv2.resize(grid_rgb, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.where(inside[..., None], colour, photo).astype(np.float32)


def build_scene_mesh(
    rgb: np.ndarray,
    depth: np.ndarray,
    camera: Intrinsics,
    inpainter: Inpainter,
    focus_depth: float,
    detail: int = DEFAULT_DETAIL,
    poses: Sequence[CameraPose] | None = None,
) -> SceneMesh:
    """Surfaces for a photo `rgb` (H, W, 3) whose metric depth is `depth` (any size, same aspect).

    camera: the photo's intrinsics. focus_depth: the subject's distance, which scales the
    viewing range the hidden background is inpainted for (or give the `poses` to serve).
    """
    h, w = rgb.shape[:2]
    gw, gh = grid_size(w, h, detail)
    small_rgb = cv2.resize(rgb, (gw, gh), interpolation=cv2.INTER_AREA).astype(np.float32)
    inverse = (1.0 / np.maximum(depth, 1e-6)).astype(np.float32)
    inverse = cv2.resize(inverse, (gw, gh), interpolation=cv2.INTER_AREA)
    # Estimated depth ramps over several pixels at an object's outline; a mesh would stretch
    # (or, cut, tear) across them, so ramps as wide as RAMP of the grid snap to one step.
    radius = max(2, round(RAMP * max(gw, gh)))
    inverse = sharpen_steps(inverse, radius, LDIOptions().min_step)
    small_depth = (1.0 / np.maximum(inverse, 1e-9)).astype(np.float32)
    path = list(poses) if poses is not None else viewing_poses(focus_depth)
    # The hidden background reaches far under the foreground, not just the path's gaps; the
    # grid stays the photo's (no border padding: the mesh has its own border handling).
    options = LDIOptions(margin_px=REACH * max(gw, gh), border=False)
    ldi = build_ldi(small_rgb, small_depth, camera.scaled(gw / w, gw, gh), path, inpainter, options)
    us, vs = grid_coordinates(w, gw), grid_coordinates(h, gh)

    photo = ldi.layers[0]
    present = np.isfinite(photo.depth) & (photo.depth > 0)
    photo_inverse = 1.0 / np.where(present, photo.depth, 1.0)
    faces = _triangles(present, photo_inverse, MAX_STEP, ldi.edges, options.min_step)
    surfaces = [_surface("photo", faces, photo.depth, small_rgb, us, vs, camera, 0)]
    textures, names = [rgb.astype(np.float32)], ["photo"]

    hidden = ldi.hidden
    if len(ldi.layers) > 1 and hidden.any():
        extension = ldi.layers[1]
        # Behind the photo's surface: the extension, else the farthest depth nearby (so the
        # backdrop under a torn cell lies behind both its sides).
        farthest = cv2.dilate(np.where(present, photo.depth, 0.0).astype(np.float32), SQUARE)
        back_depth = np.where(hidden, backdrop_depth(photo.depth, hidden), farthest)
        back_rgb = np.where(hidden[..., None], extension.rgb, small_rgb).astype(np.float32)
        back_present = present | hidden
        back_inverse = 1.0 / np.where(back_present, back_depth, 1.0)
        # The backdrop covers what the photo's surface tore open at its depth edges; where
        # it cannot stay continuous there, it bridges the tear behind the photo's surface,
        # so the view from the photo's camera has no holes.
        torn = torn_cells(faces, (gh, gw))
        seam = hidden | ldi.edges | cell_corners(torn)
        faces = _triangles(
            back_present, back_inverse, MAX_STEP, seam, MAX_STEP, need_marked=True, bridge=torn
        )
        if len(faces):
            surfaces.append(_surface("background", faces, back_depth, back_rgb, us, vs, camera, 1))
            textures.append(background_texture(rgb, back_rgb, hidden))
            names.append("background")
    stats = {"hidden_share": ldi.hidden_share, "edge_share": float(ldi.edges.mean())}
    return SceneMesh(surfaces, textures, names, camera, (gw, gh), stats)
