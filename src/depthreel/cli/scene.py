"""`depthreel scene`: the photo as a textured 3D mesh (GLB, PLY, OBJ) or a point cloud."""

from __future__ import annotations

import time
from pathlib import Path

import click

from depthreel.cli.app import App, compile_notice, notice
from depthreel.cli.options import allow_huge_option, depth_source_options, output_flags


@click.command()
@click.argument("photo", type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    required=True,
    help="scene.glb (textured, with the photo's camera), scene.ply or scene.obj.",
)
@click.option("--points", is_flag=True, help="Write a coloured point cloud (.glb or .ply).")
@click.option(
    "--detail",
    type=click.IntRange(16, 4096),
    default=512,
    show_default=True,
    help="Vertices along the photo's long side (two triangles per grid cell).",
)
@depth_source_options
@click.option("--focal", type=float, help="Focal length in pixels (default: EXIF, else 28 mm).")
@click.option("--inpainter", default="diffusion", show_default=True, help="Hidden background.")
@allow_huge_option
@output_flags("Overwrite existing files.")
@click.pass_obj
def scene(
    app: App,
    photo: Path,
    output: Path,
    points: bool,
    detail: int,
    estimator: str | None,
    depth_file: Path | None,
    depth_kind: str,
    allow_huge: bool,
    focal: float | None,
    inpainter: str,
    force: bool,
    quiet: bool,
) -> None:
    """Export PHOTO as a 3D scene for Blender, three.js or any glTF viewer.

    \b
    The photo's surface is cut at depth edges (no stretched triangles), and the background
    hidden behind the foreground is inpainted as its own mesh. The photo's camera sits at
    the origin looking down -z (y up); in the GLB it is the "photo camera" node. Depth is
    in the depth map's units (estimated depth: the nearest surface at 1).
    """
    from depthreel.cache import Cache
    from depthreel.depthmap import photo_depth
    from depthreel.inpaint import get_inpainter
    from depthreel.mesh import build_scene_mesh
    from depthreel.meshfile import scene_files, write_scene
    from depthreel.outputs import check_output
    from depthreel.photo import load_photo
    from depthreel.still import photo_camera
    from depthreel.subject import find_subject

    start = time.perf_counter()
    for path in scene_files(output, points):
        check_output(path, force)
    compile_notice(quiet, photo)
    inpainter_obj = get_inpainter(app.registry, inpainter)
    image = load_photo(photo, allow_huge=allow_huge)
    camera = photo_camera(image, focal)
    result = photo_depth(
        image, app.registry, notice, estimator, depth_file, depth_kind, cache=Cache.default()
    )
    focus = find_subject(result.depth).focus_depth
    mesh = build_scene_mesh(image.rgb, result.depth, camera, inpainter_obj, focus, detail)
    written = write_scene(mesh, output, points, force)
    if not quiet:
        what = "points" if points else "triangles"
        count = mesh.vertex_count if points else mesh.face_count
        extra = f" (+ {', '.join(p.name for p in written[1:])})" if len(written) > 1 else ""
        click.echo(
            f"wrote {output}{extra}: {count:,} {what}, {len(mesh.surfaces)} meshes, grid "
            f"{mesh.grid[0]}x{mesh.grid[1]}, depth from {result.source}, "
            f"in {time.perf_counter() - start:.2f} s"
        )


COMMANDS = [scene]
