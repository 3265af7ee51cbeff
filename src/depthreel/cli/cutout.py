"""`depthreel cutout`: the main subject as an RGBA PNG, or its 8-bit mask."""

from __future__ import annotations

import time
from pathlib import Path

import click

from depthreel.cli.app import App, notice
from depthreel.cli.images import check_suffix, write_image
from depthreel.cli.options import allow_huge_option, depth_source_options, output_flags

ALPHA_FORMATS = (".png", ".webp")


@click.command()
@click.argument("photo", type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="RGBA .png or .webp (default: PHOTO-NAME-cutout.png, or -mask.png with --mask).",
)
@click.option(
    "--mask", "mask_only", is_flag=True, help="Write only the 8-bit mask (white = subject)."
)
@click.option("--segmenter", help="Segmenter (default: the best installed; built in: depth).")
@depth_source_options
@allow_huge_option
@output_flags("Overwrite an existing output file.")
@click.pass_obj
def cutout(
    app: App,
    photo: Path,
    output: Path | None,
    mask_only: bool,
    segmenter: str | None,
    estimator: str | None,
    depth_file: Path | None,
    depth_kind: str,
    allow_huge: bool,
    force: bool,
    quiet: bool,
) -> None:
    """Cut PHOTO's main subject out: the nearest large region of its depth, on colour edges.

    \b
    The edge is soft where the subject is (hair, fur), and the colours there are unmixed
    from the old background, so the cut-out sits cleanly on any new one. A segmentation
    plugin (depthreel list segmenters) improves it where installed.
    """
    import numpy as np

    from depthreel.cutout import subject_matte
    from depthreel.errors import DepthreelError
    from depthreel.matting import foreground_colours, rgba8
    from depthreel.outputs import check_output
    from depthreel.photo import load_photo

    start = time.perf_counter()
    output = output or Path(f"{photo.stem}-{'mask' if mask_only else 'cutout'}.png")
    check_suffix(output, ALPHA_FORMATS)
    check_output(output, force)
    image = load_photo(photo, allow_huge=allow_huge)
    matte = subject_matte(image, app.registry, notice, segmenter, estimator, depth_file, depth_kind)
    if not matte.found:
        raise DepthreelError(f"no subject stands out in the depth of {photo}")
    if mask_only:
        result = np.clip(matte.alpha * 255 + 0.5, 0, 255).astype(np.uint8)
    else:
        result = rgba8(foreground_colours(image.rgb, matte.alpha), matte.alpha)
    write_image(output, result, force)
    if not quiet:
        share = float((matte.alpha >= 0.5).mean())
        click.echo(
            f"wrote {output} ({image.width}x{image.height}, subject {share:.0%} of the photo, "
            f"segmenter {matte.segmenter}, depth from {matte.depth_source}) "
            f"in {time.perf_counter() - start:.2f} s"
        )


COMMANDS = [cutout]
