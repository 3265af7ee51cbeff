"""User-facing errors: each carries a one-line message the CLI prints without a traceback."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class DepthreelError(Exception):
    """An error caused by the user's input or environment, shown as one line."""


class PluginError(DepthreelError):
    """A plugin failed to load, raised while registering, or clashed with another."""


class NotFoundError(DepthreelError):
    """A named motion, effect, preset, estimator or inpainter does not exist."""


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """Return ' (did you mean 'x'?)' for the closest choice, or '' when nothing is close."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def unknown(kind: str, name: str, choices: Iterable[str]) -> NotFoundError:
    """Build the error for an unknown name of `kind`, listing what exists."""
    options = sorted(choices)
    return NotFoundError(
        f"unknown {kind} '{name}'{did_you_mean(name, options)}; "
        f"available: {', '.join(options) or 'none'}"
    )
