"""Built-in upscalers."""

from __future__ import annotations

from depthreel import hookimpl
from depthreel.hookspecs import Register


@hookimpl
def register_upscalers(register: Register) -> None:
    from depthreel.upscale import LanczosUpscaler

    register(LanczosUpscaler)
