"""`depthreel refocus`: portrait-mode blur from depth, or the subject on a new background."""

from __future__ import annotations

import time
from pathlib import Path

import click

from depthreel.cli.app import App, notice
from depthreel.cli.images import check_suffix, write_image
from depthreel.cli.options import allow_huge_option, depth_source_options, output_flags

IMAGE_FORMATS = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp")


@click.command()
@click.argument("photo", type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="JPEG, PNG, TIFF or WebP (default: PHOTO-NAME-refocus.jpg).",
)
@click.option(
    "--focus",
    default="auto",
    show_default=True,
    help="auto (the subject), near, far, or a distance in the depth map's units.",
)
@click.option(
    "--aperture",
    default="f/2",
    show_default=True,
    help="Lens opening: an f-number (f/1.4 blurs more, f/8 less) or the far blur's radius as "
    "a share of the width, up to 0.1 (as -e dof:aperture=...).",
)
@click.option(
    "--background",
    type=click.Path(path_type=Path),
    help="Put the subject on this picture, blurred as the photo's background would be.",
)
@click.option("--segmenter", help="Segmenter (default: the best installed; built in: depth).")
@depth_source_options
@allow_huge_option
@output_flags("Overwrite an existing output file.")
@click.pass_obj
def refocus(
    app: App,
    photo: Path,
    output: Path | None,
    focus: str,
    aperture: str,
    background: Path | None,
    segmenter: str | None,
    estimator: str | None,
    depth_file: Path | None,
    depth_kind: str,
    allow_huge: bool,
    force: bool,
    quiet: bool,
) -> None:
    """Blur PHOTO as a wide-open lens would (portrait mode), focused on its subject.

    \b
    Examples:
      depthreel refocus portrait.jpg -o bokeh.jpg
      depthreel refocus street.jpg --focus far --aperture f/1.4
      depthreel refocus me.jpg --background beach.jpg -o me-at-the-beach.jpg
    """
    import numpy as np

    from depthreel.cutout import subject_matte
    from depthreel.outputs import check_output
    from depthreel.photo import load_photo
    from depthreel.refocus import parse_aperture, parse_focus
    from depthreel.refocus import refocus as refocus_photo

    start = time.perf_counter()
    output = output or Path(f"{photo.stem}-refocus.jpg")
    check_suffix(output, IMAGE_FORMATS)
    check_output(output, force)
    focus_choice = parse_focus(focus)
    share = parse_aperture(aperture)
    image = load_photo(photo, allow_huge=allow_huge)
    new_background = (
        load_photo(background, allow_huge=allow_huge).rgb if background is not None else None
    )
    matte = subject_matte(image, app.registry, notice, segmenter, estimator, depth_file, depth_kind)
    alpha = matte.alpha if matte.found else None
    if alpha is None and focus_choice == "auto":
        notice("no subject stands out in the depth; focusing on the nearest large region")
    result = refocus_photo(image.rgb, matte.depth, focus_choice, share, alpha, new_background)
    write_image(output, np.clip(result.rgb * 255 + 0.5, 0, 255).astype(np.uint8), force)
    if not quiet:
        click.echo(
            f"wrote {output} ({image.width}x{image.height}, focus at {result.focus_depth:.3g}, "
            f"far blur {result.radius:.1f} px, depth from {matte.depth_source}) "
            f"in {time.perf_counter() - start:.2f} s"
        )


COMMANDS = [refocus]
