"""Numba settings and sentinels shared by the render kernels.

Importing this module raises three LLVM limits process-wide: the sampling loop of
depthreel.render.splat reads 36 streams, and LLVM only vectorises it when it may check that
many pointers for overlap at run time. The options only ever enable more vectorising.
"""

from __future__ import annotations

from typing import Any

import llvmlite.binding as llvm
import numpy as np

llvm.set_option("", "-runtime-memory-check-threshold=256")
llvm.set_option("", "-memory-check-merge-threshold=256")
llvm.set_option("", "-vectorize-memory-check-threshold=4096")

# fastmath minus 'nnan'/'ninf': the buffers use a finite EMPTY sentinel, but keeping IEEE
# semantics for comparisons costs nothing measurable and keeps odd inputs from miscompiling.
FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}
# error_model="numpy": a float division by zero gives inf instead of raising, which spares a
# check in every division (the kernels guard their divisors anyway).
JIT: dict[str, Any] = {"cache": True, "nogil": True, "fastmath": FASTMATH, "error_model": "numpy"}

EMPTY = np.float32(3.0e38)  # "no surface" in the z-buffer (finite, unlike inf)
FULL = 1.0 - 1e-6  # coverage at or above this is complete (not a hole)
QUAD, XLINK = 1, 2  # sample flags, see depthreel.render.source
