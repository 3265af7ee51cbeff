"""Forward-warping renderer: layers of a layered depth image seen from a new camera pose.

Importing this package imports numba; the CLI imports it lazily, only when rendering.
"""

from depthreel.render.project import project_points
from depthreel.render.renderer import Renderer, View, render_view

__all__ = ["Renderer", "View", "project_points", "render_view"]
