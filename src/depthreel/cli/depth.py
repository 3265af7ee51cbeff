"""`depthreel depth`: write a photo's depth map as a 16-bit PNG and a false-colour preview."""

from __future__ import annotations

from pathlib import Path

import click

from depthreel.cli.app import App, notice
from depthreel.cli.options import allow_huge_option, output_flags


def preview_path(output: Path) -> Path:
    return output.with_name(f"{output.stem}-preview.png")


@click.command()
@click.argument("photo", type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="16-bit PNG of inverse depth, white = near (default: PHOTO-NAME-depth.png).",
)
@click.option("--estimator", help="Depth estimator (default: best available).")
@click.option("--preview/--no-preview", default=True, help="Also write OUTPUT-preview.png.")
@output_flags("Overwrite existing files.")
@allow_huge_option
@click.pass_obj
def depth(
    app: App,
    photo: Path,
    output: Path | None,
    estimator: str | None,
    preview: bool,
    force: bool,
    quiet: bool,
    allow_huge: bool,
) -> None:
    """Save PHOTO's depth (larger = nearer, as Depth Anything's maps).

    The depth the camera stored in the photo (iPhone Portrait HEIC, Google Camera JPEG) is
    used when present; --estimator estimates instead.
    """
    import cv2
    import numpy as np

    from depthreel.cache import Cache
    from depthreel.depth.convert import upsample_guided
    from depthreel.depthmap import photo_depth
    from depthreel.outputs import check_output, write_png
    from depthreel.photo import load_photo

    output = output or Path(f"{photo.stem}-depth.png")
    if output.suffix.lower() != ".png":
        raise click.UsageError(f"--output {output} must end in .png (a 16-bit PNG is written)")
    check_output(output, force)
    if preview:
        check_output(preview_path(output), force)
    image = load_photo(photo, allow_huge=allow_huge)
    result = photo_depth(image, app.registry, notice, estimator=estimator, cache=Cache.default())
    z = result.depth
    if z.shape != image.rgb.shape[:2]:  # edge-aware upsampling, guided by the photo itself
        z = upsample_guided(z, image.rgb)
    inverse = 1.0 / np.maximum(z, 1e-6)
    lo, hi = float(inverse.min()), float(inverse.max())
    normalised = (inverse - lo) / max(hi - lo, 1e-12)
    write_png(output, np.round(normalised * 65535).astype(np.uint16), force)
    if preview:
        levels = np.round(normalised * 255).astype(np.uint8)
        write_png(preview_path(output), cv2.applyColorMap(levels, cv2.COLORMAP_TURBO), force)
    if not quiet:
        extra = f" and {preview_path(output)}" if preview else ""
        click.echo(f"wrote {output}{extra} (depth from {result.source})")


COMMANDS = [depth]
