"""The two-surface z-buffer: claims of samples on pixels, with their colour already sampled.

The frame itself is slot 1 (colour premultiplied by coverage, coverage, depth), a back
buffer slot 2. A claim within the depth tolerance of a slot's surface keeps the fuller of
the two; a nearer surface that covers the pixel only partly pushes the old one to slot 2
(which keeps the fuller of what it held and that), one that covers it whole hides it; a
farther one takes slot 2 if slot 1 leaves room and it is fuller (or as full and nearer);
the rest is dropped. depthreel.render.composite composites the two slots.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

from depthreel.render.jit import EMPTY, FULL, JIT


@njit(**JIT)
def claim(
    pix: np.ndarray,
    zs: np.ndarray,
    pay: np.ndarray,
    stride: int,
    start: int,
    stop: int,
    tol1: float,
    w: int,
    frame: tuple[np.ndarray, ...],
    nearest: bool,
    order: np.ndarray | None,
) -> None:
    """Claims t in [start, stop): pixel pix[t] (skipped if < 0), depth zs[t], premultiplied
    colour pay[c * stride + t], into frame = (rgb (N, 3), cover (N,), zbuf (N,), back_z (N,),
    back (N, 4), back_rows (H,)): slot 1 is (rgb, cover, zbuf), slot 2 (back_z, back = r, g,
    b, a), EMPTY depth when unused; back_rows marks the rows that use slot 2. See the module
    docstring. Claims of samples' nearest pixels win ties of coverage on one surface: their
    point lies closest. With order, the claims t = order[k] for k in [start, stop) instead.
    """
    tie = 1e-6 if nearest else -1e-6
    rgb, cover, zbuf, back_z, back, back_rows = frame
    s1 = uint64(stride)
    s2 = uint64(2 * stride)
    s3 = uint64(3 * stride)
    for k in range(uint64(start), uint64(stop)):
        t = k if order is None else uint64(order[k])
        p = pix[t]
        if p < 0:
            continue
        q = uint64(p)
        z = np.float32(zs[t])
        a = pay[s3 + t]
        if a < 1e-6:  # covers nothing
            continue
        zt = zbuf[q]
        a1 = cover[q]
        if zt < EMPTY:
            if z <= zt * tol1 and z * tol1 >= zt:  # slot 1's surface: keep the fuller
                if a + tie <= a1:
                    continue
            elif z < zt:  # a nearer surface: the old one shows through it, or is hidden
                if a < FULL:
                    # Slot 2 keeps the fuller of what was in slot 1 and slot 2.
                    if back_z[q] >= EMPTY or a1 >= back[q, 3]:
                        back_z[q] = zt
                        back[q, 0] = rgb[q, 0]
                        back[q, 1] = rgb[q, 1]
                        back[q, 2] = rgb[q, 2]
                        back[q, 3] = a1
                        back_rows[p // w] = True
                else:
                    back_z[q] = EMPTY
            else:  # a farther surface: slot 2, if slot 1 leaves room and it is fuller (nearer)
                zb = back_z[q]
                if a1 >= FULL:
                    continue
                if zb < EMPTY:
                    ab = back[q, 3]
                    if z <= zb * tol1 and z * tol1 >= zb:  # slot 2's surface
                        if a + tie <= ab:
                            continue
                    elif not (a > ab or (a >= ab and z < zb)):
                        continue
                back_z[q] = z
                back[q, 0] = pay[t]
                back[q, 1] = pay[s1 + t]
                back[q, 2] = pay[s2 + t]
                back[q, 3] = a
                back_rows[p // w] = True
                continue
        zbuf[q] = z
        rgb[q, 0] = pay[t]
        rgb[q, 1] = pay[s1 + t]
        rgb[q, 2] = pay[s2 + t]
        cover[q] = a
