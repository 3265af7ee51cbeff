"""Whether the renderer's kernels are compiled for this machine already.

Numba compiles the kernels on their first use and caches them beside the package
(`cache=True`), so only a fresh install's first render pays for it (10-30 s on 2 cores). The
CLI asks `renderer_compiled` to say so up front instead of sitting silent that long.
"""

from __future__ import annotations


def renderer_compiled() -> bool:
    """True when Numba's on-disk cache holds the splatting kernel for its current source.

    The splatting kernel is the largest one and is compiled with the rest, so its cache entry
    stands for all of them. Reads Numba's cache index (a private API): if that ever changes
    shape, the answer is True, so the worst case is a missing notice, never a wrong error.
    """
    from depthreel.render.splat import scatter

    try:
        return bool(scatter._cache._cache_file._load_index())
    except Exception:  # any failure means "cannot tell"
        return True
