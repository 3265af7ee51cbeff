"""Builders for test photos the way cameras write them: HEIC with a depth image, Google Camera
JPEGs with GDepth or GContainer depth, ICC-tagged and EXIF-tagged files, a PNG header that
claims a huge size. Everything is generated here; nothing is downloaded."""

from __future__ import annotations

import base64
import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

DISPLAY_P3 = ([0.680, 0.320, 0.265, 0.690, 0.150, 0.060], (0.3127, 0.3290))


def gradient_photo(width: int = 96, height: int = 64) -> np.ndarray:
    """An RGB uint8 photo whose left and right halves and top and bottom differ."""
    x = np.linspace(0, 1, width)[None, :, None]
    y = np.linspace(0, 1, height)[:, None, None]
    rgb = np.concatenate([0.2 + 0.7 * x + 0 * y, 0.3 + 0.5 * y + 0 * x, 0.8 - 0.6 * x + 0 * y], 2)
    return np.round(rgb * 255).astype(np.uint8)


def display_p3_icc() -> bytes:
    """An ICC profile with Display P3 primaries, D65 and the sRGB curve."""
    from depthreel.colour import rgb_profile

    return rgb_profile(*DISPLAY_P3)


def p3_to_srgb_reference(rgb8: np.ndarray) -> np.ndarray:
    """Display P3 -> sRGB computed from first principles (matrices from the primaries)."""

    def to_xyz(primaries: list[float], white: tuple[float, float]) -> np.ndarray:
        xy = np.array(primaries).reshape(3, 2)
        cols = np.stack([xy[:, 0] / xy[:, 1], np.ones(3), (1 - xy.sum(1)) / xy[:, 1]])
        wx, wy = white
        scale = np.linalg.solve(cols, [wx / wy, 1.0, (1 - wx - wy) / wy])
        return cols * scale

    srgb = to_xyz([0.64, 0.33, 0.30, 0.60, 0.15, 0.06], (0.3127, 0.3290))
    c = rgb8 / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    out = np.clip(linear @ (np.linalg.inv(srgb) @ to_xyz(*DISPLAY_P3)).T, 0, 1)
    return np.where(out <= 0.0031308, out * 12.92, 1.055 * out ** (1 / 2.4) - 0.055)


def exif_bytes(orientation: int = 1, **exif_ifd: object) -> bytes:
    """EXIF with an orientation and Exif-IFD tags given by number, e.g. {'0xA405': 26}."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = str(exif_ifd.pop("make", ""))
    sub = exif.get_ifd(0x8769)
    for key, value in exif_ifd.items():
        sub[int(key, 16)] = value
    return exif.tobytes()


def huge_png(path: Path, width: int = 30000, height: int = 30000) -> Path:
    """A tiny PNG whose header claims width x height (no pixels are ever allocated here)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grayscale
    idat = zlib.compress(b"\x00" * (width + 1) * 4)  # four rows, then the data ends
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)
    path.write_bytes(data + chunk(b"IEND", b""))
    return path


# ---------------------------------------------------------------------- HEIC with a depth image


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _full_box(kind: bytes, version: int, flags: int, payload: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags) + payload)


def _children(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    out, offset = [], start
    while offset < end:
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        out.append((kind, offset, size))
        offset += size
    return out


def _coded_items(iinf: bytes) -> list[int]:
    """Ids of the HEVC-coded image items listed in an iinf box (version 0, infe version 2)."""
    ids = []
    for kind, at, size in _children(iinf, 14, len(iinf)):
        entry = iinf[at : at + size]
        if kind == b"infe" and entry[8] >= 2 and entry[16:20] == b"hvc1":
            ids.append(struct.unpack(">H", entry[12:14])[0])
    return ids


def _with_depth_association(ipma: bytes, item: int, prop: int) -> bytes:
    flags = struct.unpack(">I", ipma[8:12])[0] & 0xFFFFFF
    wide = flags & 1
    body, pos = ipma[12:], 4
    entries = []
    for _ in range(struct.unpack(">I", body[:4])[0]):
        item_id, count = struct.unpack(">HB", body[pos : pos + 3])
        pos += 3
        assoc = body[pos : pos + count * (2 if wide else 1)]
        pos += len(assoc)
        if item_id == item:
            assoc += prop.to_bytes(2 if wide else 1, "big")
            count += 1
        entries.append(struct.pack(">HB", item_id, count) + assoc)
    return _full_box(b"ipma", 0, flags, body[:4] + b"".join(entries))


def _shift_iloc(iloc: bytes, delta: int) -> bytes:
    """iloc (version 0/1) with every file offset moved by `delta` bytes."""
    out = bytearray(iloc)
    version = out[8]
    offset_size, base_size = out[12] >> 4, out[13] >> 4
    index_size = out[13] & 15 if version in (1, 2) else 0
    length_size = out[12] & 15
    assert version in (0, 1), "pillow-heif writes iloc version 0 or 1"
    pos, count = 16, struct.unpack(">H", out[14:16])[0]

    def patch(at: int, size: int) -> None:
        if size:
            value = int.from_bytes(out[at : at + size], "big") + delta
            out[at : at + size] = value.to_bytes(size, "big")

    for _ in range(count):
        pos += 2  # item id
        method = out[pos + 1] & 15 if version == 1 else 0
        pos += 2 if version == 1 else 0
        pos += 2  # data reference index
        if method == 0:
            patch(pos, base_size)
        pos += base_size
        extents = struct.unpack(">H", out[pos : pos + 2])[0]
        pos += 2
        for _ in range(extents):
            pos += index_size
            if method == 0 and not base_size:
                patch(pos, offset_size)
            pos += offset_size + length_size
    return bytes(out)


def heic_with_depth(
    photo: np.ndarray,
    depth: np.ndarray,
    orientation: int = 1,
    make: str = "Apple",
    aux_type: bytes = b"urn:mpeg:hevc:2015:auxid:2",
) -> bytes:
    """An HEIC whose second image is declared the primary's depth image.

    pillow-heif writes two plain images; the meta box is then edited as an iPhone lays it out:
    an `auxC` property naming the depth type on the second image and an `auxl` reference from
    it to the primary. The depth item has no rotation of its own.
    """
    import pillow_heif

    heif = pillow_heif.from_pillow(Image.fromarray(photo))
    heif.add_from_pillow(Image.fromarray(depth))
    buffer = io.BytesIO()
    heif.save(buffer, format="HEIF", quality=-1, exif=exif_bytes(orientation, make=make))
    data = buffer.getvalue()
    ((_, meta_at, meta_size),) = [c for c in _children(data, 0, len(data)) if c[0] == b"meta"]
    parts = {
        kind: data[at : at + size]
        for kind, at, size in _children(data, meta_at + 12, meta_at + meta_size)
    }
    order = list(parts)
    iprp = parts[b"iprp"]
    kids = {kind: iprp[at : at + size] for kind, at, size in _children(iprp, 8, len(iprp))}
    ipco = kids[b"ipco"]
    prop = len(_children(ipco, 8, len(ipco))) + 1
    ipco = _box(b"ipco", ipco[8:] + _full_box(b"auxC", 0, 0, aux_type + b"\0"))
    primary, depth_item = _coded_items(parts[b"iinf"])
    ipma = _with_depth_association(kids[b"ipma"], depth_item, prop)
    parts[b"iprp"] = _box(b"iprp", ipco + ipma)
    auxl = _box(b"auxl", struct.pack(">HHH", depth_item, 1, primary))
    if b"iref" in parts:  # the EXIF item already refers to the primary
        parts[b"iref"] = _full_box(b"iref", 0, 0, parts[b"iref"][12:] + auxl)
    else:
        parts[b"iref"] = _full_box(b"iref", 0, 0, auxl)
        order.append(b"iref")
    delta = len(_full_box(b"meta", 0, 0, b"".join(parts[k] for k in order))) - meta_size
    parts[b"iloc"] = _shift_iloc(parts[b"iloc"], delta)
    meta = _full_box(b"meta", 0, 0, b"".join(parts[k] for k in order))
    return data[:meta_at] + meta + data[meta_at + meta_size :]


# ------------------------------------------------------------- Google Camera JPEG with depth

GDEPTH_NS = "http://ns.google.com/photos/1.0/depthmap/"
CONTAINER_NS = "http://ns.google.com/photos/1.0/container/"
ITEM_NS = "http://ns.google.com/photos/1.0/container/item/"
XMP_MAIN = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_EXTENSION = b"http://ns.adobe.com/xmp/extension/\x00"


def png_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def _xmp(description: str, namespaces: str) -> bytes:
    return (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" {namespaces}>{description}</rdf:Description>'
        '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def _with_app1(jpeg: bytes, segments: list[bytes]) -> bytes:
    """Insert APP1 segments right after SOI (and the JFIF APP0 when there is one)."""
    at = 2
    if jpeg[2:4] == b"\xff\xe0":
        at = 4 + struct.unpack(">H", jpeg[4:6])[0]
    app1 = b"".join(b"\xff\xe1" + struct.pack(">H", len(s) + 2) + s for s in segments)
    return jpeg[:at] + app1 + jpeg[at:]


def _jpeg(photo: np.ndarray, orientation: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(photo).save(buffer, format="JPEG", quality=92, exif=exif_bytes(orientation))
    return buffer.getvalue()


def gdepth_jpeg(
    photo: np.ndarray,
    depth: np.ndarray,
    near: float = 0.5,
    far: float = 8.0,
    fmt: str = "RangeInverse",
    orientation: int = 1,
    chunk: int = 60000,
) -> bytes:
    """A JPEG with GDepth XMP: near/far/format in the main XMP, the PNG in extended XMP chunks."""
    guid = "0123456789ABCDEF0123456789ABCDEF"
    attrs = (
        f'GDepth:Format="{fmt}" GDepth:Near="{near}" GDepth:Far="{far}" '
        f'GDepth:Mime="image/png" xmpNote:HasExtendedXMP="{guid}"'
    )
    namespaces = f'xmlns:GDepth="{GDEPTH_NS}" xmlns:xmpNote="http://ns.adobe.com/xmp/note/"'
    main = XMP_MAIN + _xmp("", f"{namespaces} {attrs}")
    data = base64.b64encode(png_bytes(depth)).decode()
    extended = _xmp(f"<GDepth:Data>{data}</GDepth:Data>", f'xmlns:GDepth="{GDEPTH_NS}"')
    segments = [main]
    for offset in range(0, len(extended), chunk):
        header = guid.encode() + struct.pack(">II", len(extended), offset)
        segments.append(XMP_EXTENSION + header + extended[offset : offset + chunk])
    return _with_app1(_jpeg(photo, orientation), segments)


def gcontainer_jpeg(
    photo: np.ndarray, depth: np.ndarray, near: float = 0.5, far: float = 8.0
) -> bytes:
    """A JPEG whose depth PNG is appended after it and listed in an XMP Container directory."""
    depth_png = png_bytes(depth)
    confidence = png_bytes(np.full((8, 8), 255, np.uint8))
    items = [("image/jpeg", "Primary", 0), ("image/png", "Depth", len(depth_png))]
    items.append(("image/png", "Confidence", len(confidence)))
    listing = "".join(
        f'<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="{mime}" '
        f'Item:Semantic="{semantic}" Item:Length="{length}"/></rdf:li>'
        for mime, semantic, length in items
    )
    description = f"<Container:Directory><rdf:Seq>{listing}</rdf:Seq></Container:Directory>"
    namespaces = (
        f'xmlns:GDepth="{GDEPTH_NS}" xmlns:Container="{CONTAINER_NS}" xmlns:Item="{ITEM_NS}" '
        f'GDepth:Format="RangeLinear" GDepth:Near="{near}" GDepth:Far="{far}" '
        'GDepth:Mime="image/png"'
    )
    jpeg = _with_app1(_jpeg(photo, 1), [XMP_MAIN + _xmp(description, namespaces)])
    return jpeg + depth_png + confidence
