"""`depthreel list` and `depthreel plugins`: what is installed and who contributed it."""

from __future__ import annotations

import json

import click

from depthreel.cli.app import App

LISTS = {
    "motions": "motion",
    "effects": "effect",
    "presets": "preset",
    "estimators": "estimator",
    "inpainters": "inpainter",
    "segmenters": "segmenter",
    "upscalers": "upscaler",
}


@click.command(name="list")
@click.argument("what", type=click.Choice(sorted(LISTS)))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def list_command(app: App, what: str, as_json: bool) -> None:
    """List what is installed of one kind: motions, effects, presets, estimators and so on."""
    kind = LISTS[what]
    entries = list(app.registry.items(kind))
    if as_json:
        rows = [{"name": e.name, "description": e.description, "plugin": e.plugin} for e in entries]
        click.echo(json.dumps(rows, indent=2))
        return
    if not entries:
        click.echo(f"no {what} installed")
        return
    width = max(len(e.name) for e in entries)
    for entry in entries:
        suffix = "" if entry.plugin.startswith("builtin_") else f"  [{entry.plugin}]"
        description = entry.description
        quality = entry.obj.quality() if kind == "preset" else ""
        if quality:
            description += f" ({quality})"  # the one thing the descriptions leave out
        click.echo(f"{entry.name:<{width}}  {description}{suffix}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def plugins(app: App, as_json: bool) -> None:
    """List loaded plugins and what each contributes."""
    from depthreel.plugins import load_report

    report = load_report(app.plugin_manager)
    contributions = app.registry.by_plugin()
    rows = []
    for name in report.builtin + sorted(report.third_party):
        rows.append(
            {
                "name": name,
                "source": "built-in" if name in report.builtin else report.third_party[name],
                "contributes": [
                    f"{kind} {item}" for kind, item in sorted(contributions.get(name, []))
                ],
                "error": app.registry.errors.get(name),
            }
        )
    for name, error in sorted(report.failed.items()):
        rows.append({"name": name, "source": "?", "contributes": [], "error": error})
    if as_json:
        click.echo(json.dumps({"plugins": rows, "skipped": report.skipped}, indent=2))
        return
    for row in rows:
        click.echo(f"{row['name']} ({row['source']})")
        for item in row["contributes"]:
            click.echo(f"  {item}")
        if row["error"]:
            click.echo(f"  failed: {row['error']}")
    if report.skipped:
        click.echo(f"skipped by DEPTHREEL_PLUGINS: {', '.join(sorted(report.skipped))}")


COMMANDS = [list_command, plugins]
