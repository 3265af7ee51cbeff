"""depthreel: one photo in, a vertical parallax clip out."""

from depthreel.hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = ["__version__", "hookimpl"]
