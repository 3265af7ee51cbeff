"""`depthreel still`: one frame from a shifted camera, at the photo's own size."""

from __future__ import annotations

import time
from pathlib import Path

import click

from depthreel.cli.app import App, compile_notice, notice
from depthreel.cli.options import allow_huge_option, depth_source_options, output_flags


@click.command()
@click.argument("photo", type=click.Path(path_type=Path))
@click.option("--output", "-o", type=click.Path(path_type=Path), required=True, help="PNG/JPEG.")
@click.option("--offset-x", type=float, default=0.0, help="Camera move right (scene units).")
@click.option("--offset-y", type=float, default=0.0, help="Camera move down (scene units).")
@click.option("--offset-z", type=float, default=0.0, help="Camera move forward (scene units).")
@depth_source_options
@click.option("--focal", type=float, help="Focal length in pixels (default: EXIF, else 28 mm).")
@click.option("--inpainter", default="diffusion", show_default=True, help="Hole filler.")
@click.option(
    "--layers",
    "layers_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Also write the layered depth image's layers as RGBA PNGs into this folder.",
)
@output_flags("Overwrite existing files.")
@allow_huge_option
@click.pass_obj
def still(
    app: App,
    photo: Path,
    output: Path,
    offset_x: float,
    offset_y: float,
    offset_z: float,
    estimator: str | None,
    depth_file: Path | None,
    depth_kind: str,
    focal: float | None,
    inpainter: str,
    layers_dir: Path | None,
    force: bool,
    quiet: bool,
    allow_huge: bool,
) -> None:
    """Render PHOTO from a camera moved by the offsets.

    \b
    Units are the depth map's: with --depth-kind disparity the map holds disparity in pixels
    for a one-unit baseline, so --offset-x 1 gives the right view of a rectified stereo pair.
    With metric depth they are its unit (e.g. metres); with inverse or estimated depth the
    nearest surface is at distance 1.
    """
    import cv2
    import numpy as np

    from depthreel.errors import DepthreelError
    from depthreel.inpaint import get_inpainter
    from depthreel.outputs import atomic_output, check_output
    from depthreel.photo import load_photo
    from depthreel.scene import CameraPose
    from depthreel.still import full_depth, layer_images, photo_camera, render_still

    start = time.perf_counter()
    if output.suffix.lower() not in (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp"):
        raise DepthreelError(f"output {output} must be .png, .jpg, .tif or .webp")
    check_output(output, force)
    compile_notice(quiet, photo)
    inpainter_obj = get_inpainter(app.registry, inpainter)
    image = load_photo(photo, allow_huge=allow_huge)
    camera = photo_camera(image, focal)
    depth, source = full_depth(
        image, app.registry, notice, camera, estimator, depth_file, depth_kind
    )
    pose = CameraPose(x=offset_x, y=offset_y, z=offset_z)
    view, ldi = render_still(image, depth, camera, pose, inpainter_obj)
    frame = np.clip(view.rgb * 255 + 0.5, 0, 255).astype(np.uint8)
    ok, data = cv2.imencode(output.suffix.lower(), frame[..., ::-1])
    if not ok:
        raise DepthreelError(f"could not encode {output}")
    with atomic_output(output, force) as tmp:
        tmp.write_bytes(data.tobytes())
    if layers_dir is not None:
        layers_dir.mkdir(parents=True, exist_ok=True)
        for index, rgba in enumerate(layer_images(ldi)):
            path = layers_dir / f"layer{index}.png"
            ok, data = cv2.imencode(".png", cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
            with atomic_output(path, True) as tmp:
                tmp.write_bytes(data.tobytes())
    if not quiet:
        click.echo(
            f"wrote {output} ({image.width}x{image.height}, depth from {source}, "
            f"{ldi.hidden_share:.1%} of pixels extended behind edges) "
            f"in {time.perf_counter() - start:.2f} s"
        )


COMMANDS = [still]
