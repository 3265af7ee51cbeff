"""NAME:key=value,... specs, as typed on the command line and written in presets."""

from __future__ import annotations

from typing import Any

from depthreel.errors import DepthreelError


def parse_value(text: str) -> Any:
    """'0.4' -> 0.4, '3' -> 3, 'true' -> True, anything else stays a string."""
    lowered = text.lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def parse_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """'fog:density=0.4,color=#aabbcc' -> ('fog', {'density': 0.4, 'color': '#aabbcc'})."""
    name, _, rest = spec.partition(":")
    name = name.strip()
    if not name:
        raise DepthreelError(f"'{spec}' names nothing; expected NAME or NAME:key=value,...")
    options: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise DepthreelError(f"'{item}' in '{spec}' is not key=value")
        options[key.strip().replace("-", "_")] = parse_value(value.strip())
    return name, options


def parse_size(text: str) -> tuple[int, int]:
    """'1080x1920' -> (1080, 1920); the size must be even and at least 16 px a side."""
    width, sep, height = text.lower().replace(" ", "").partition("x")
    try:
        size = (int(width), int(height))
    except ValueError:
        size = (0, 0)
    if not sep or min(size) < 16 or size[0] % 2 or size[1] % 2 or max(size) > 8192:
        raise DepthreelError(
            f"size '{text}' must be WIDTHxHEIGHT, even, 16-8192 px, e.g. 1080x1920"
        )
    return size
