"""Depth maps that Google Camera (and other Android cameras) store inside a JPEG's XMP.

Two layouts are read:

- GDepth: XMP properties GDepth:Format (RangeInverse or RangeLinear), GDepth:Near, GDepth:Far,
  GDepth:Mime and GDepth:Data, the depth image itself as base64 (usually in the extended XMP,
  split over several APP1 segments because one segment holds at most 64 KB).
- GContainer / Dynamic Depth: the depth image is a file appended after the primary JPEG; the
  XMP Container:Directory lists every item (Item:Mime, Item:Semantic, Item:Length,
  Item:Padding) in file order, the primary first, so each item is found by counting back from
  the end of the file. Near, far and format come from GDepth:* or DepthMap:* properties.

Values are normalised to [0, 1] (d) and become distance as the format says:
RangeInverse Z = far * near / (far - d * (far - near)); RangeLinear Z = near + d * (far - near).
"""

from __future__ import annotations

import base64
import binascii
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

XMP_MAIN = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_EXTENSION = b"http://ns.adobe.com/xmp/extension/\x00"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
# Namespace URI -> the prefix used for its properties below (old and Dynamic Depth spellings).
PREFIXES = {
    "http://ns.google.com/photos/1.0/depthmap/": "GDepth",
    "http://ns.google.com/photos/dd/1.0/depthmap/": "DepthMap",
    "http://ns.google.com/photos/1.0/container/": "Container",
    "http://ns.google.com/photos/dd/1.0/container/": "Container",
    "http://ns.google.com/photos/1.0/container/item/": "Item",
    "http://ns.google.com/photos/dd/1.0/item/": "Item",
    "http://ns.adobe.com/xmp/note/": "xmpNote",
}
DEPTH_SEMANTICS = ("depth", "gdepth", "gdepth:data")
SIGNATURES = {"image/png": b"\x89PNG", "image/jpeg": b"\xff\xd8"}


@dataclass
class GoogleDepth:
    """A camera depth map as stored: distance Z (or relative inverse depth) and its format."""

    values: np.ndarray  # (h, w) float32
    kind: str  # "depth" (Z between near and far) or "inverse" (relative, larger = nearer)
    format: str  # RangeInverse or RangeLinear


def xmp_packets(applist: list[tuple[str, bytes]]) -> tuple[bytes | None, bytes | None]:
    """The main XMP packet and the reassembled extended XMP from a JPEG's APP1 segments."""
    main: bytes | None = None
    chunks: dict[bytes, dict[int, bytes]] = {}
    for marker, data in applist:
        if marker != "APP1":
            continue
        if data.startswith(XMP_MAIN) and main is None:
            main = data[len(XMP_MAIN) :]
        elif data.startswith(XMP_EXTENSION):
            body = data[len(XMP_EXTENSION) :]
            if len(body) < 40:
                continue
            guid, offset = body[:32], int.from_bytes(body[36:40], "big")
            chunks.setdefault(guid, {})[offset] = body[40:]
    extended = None
    if chunks:
        wanted = _extension_guid(main)
        parts = chunks.get(wanted) if wanted else None
        parts = parts or max(chunks.values(), key=len)
        extended = b"".join(parts[offset] for offset in sorted(parts))
    return main, extended


def _extension_guid(main: bytes | None) -> bytes | None:
    root = parse_xmp(main) if main else None
    guid = properties(root).get("xmpNote:HasExtendedXMP") if root is not None else None
    return guid.encode("ascii", "ignore") if guid else None


def parse_xmp(packet: bytes) -> ET.Element | None:
    """The xmpmeta (or rdf:RDF) element of an XMP packet; None when it is not XML."""
    for start, end in ((b"<x:xmpmeta", b"</x:xmpmeta>"), (b"<rdf:RDF", b"</rdf:RDF>")):
        i, j = packet.find(start), packet.rfind(end)
        if i >= 0 and j > i:
            try:
                return ET.fromstring(packet[i : j + len(end)])
            except ET.ParseError:
                return None
    return None


def _key(qualified: str) -> str | None:
    if not qualified.startswith("{"):
        return None
    namespace, _, local = qualified[1:].partition("}")
    prefix = PREFIXES.get(namespace)
    return f"{prefix}:{local}" if prefix else None


def properties(root: ET.Element | None) -> dict[str, str]:
    """Known properties (as 'Prefix:Name'), written either as attributes or as simple elements."""
    found: dict[str, str] = {}
    if root is None:
        return found
    for element in root.iter():
        for name, value in element.attrib.items():
            key = _key(name)
            if key:
                found.setdefault(key, value)
        key = _key(element.tag)
        if key and len(element) == 0 and element.text and element.text.strip():
            found.setdefault(key, element.text.strip())
    return found


def container_items(root: ET.Element | None) -> list[dict[str, str]]:
    """The Container:Directory entries in file order, each as its Item:* properties."""
    if root is None:
        return []
    for element in root.iter():
        if _key(element.tag) == "Container:Directory":
            return [properties(li) for li in element.iter(f"{{{RDF}}}li")]
    return []


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and np.isfinite(value) else None


def _item_bytes(data: bytes, items: list[dict[str, str]], index: int) -> bytes | None:
    """Bytes of container item `index` (> 0), counted back from the end of the file."""

    def size(item: dict[str, str], key: str) -> int:
        return max(0, int(_number(item.get(key)) or 0))

    signature = SIGNATURES.get(items[index].get("Item:Mime", ""), b"")
    length = size(items[index], "Item:Length")
    tail = sum(size(i, "Item:Length") + size(i, "Item:Padding") for i in items[index:])
    # Padding is written after an item by some cameras and before the next by others.
    for start in (len(data) - tail, len(data) - tail + size(items[index - 1], "Item:Padding")):
        chunk = data[start : start + length] if 0 <= start < len(data) and length else b""
        if chunk and chunk.startswith(signature):
            return chunk
    return None


def _depth_image(data: bytes, props: dict[str, str], items: list[dict[str, str]]) -> bytes | None:
    encoded = props.get("GDepth:Data")
    if encoded:
        try:
            return base64.b64decode("".join(encoded.split()), validate=False)
        except (binascii.Error, ValueError):
            return None
    semantic = props.get("DepthMap:ItemSemantic", "").lower()
    for index, item in enumerate(items[1:], start=1):
        kind = item.get("Item:Semantic", "").lower()
        if kind in DEPTH_SEMANTICS or (semantic and kind == semantic):
            return _item_bytes(data, items, index)
    return None


def _decode_map(encoded: bytes) -> np.ndarray | None:
    """A depth image (PNG or JPEG, 8 or 16 bit) as float32 in [0, 1]."""
    import cv2

    image = cv2.imdecode(np.frombuffer(encoded, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.ndim not in (2, 3) or min(image.shape[:2]) < 2:
        return None
    if image.ndim == 3:
        image = image[..., 0]
    top = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}.get(image.dtype, 1.0)
    return (image.astype(np.float32) / np.float32(top)).astype(np.float32)


def to_distance(d: np.ndarray, fmt: str, near: float | None, far: float | None) -> GoogleDepth:
    """Normalised values -> distance Z when near/far are known, else relative inverse depth."""
    fmt = fmt or "RangeInverse"
    known = near is not None and far is not None and 0 < near < far
    if fmt.lower() == "rangelinear":
        if known:
            assert near is not None and far is not None
            return GoogleDepth((near + d * (far - near)).astype(np.float32), "depth", fmt)
        return GoogleDepth((1.0 / (1.0 + 11.0 * d)).astype(np.float32), "inverse", fmt)
    if known:
        assert near is not None and far is not None
        z = far * near / (far - d * (far - near))
        return GoogleDepth(z.astype(np.float32), "depth", fmt)
    return GoogleDepth(d.astype(np.float32), "inverse", fmt)


def read_google_depth(path: Path, image: Any) -> GoogleDepth | None:
    """The depth map of a Google Camera JPEG (opened with Pillow), or None when it has none."""
    applist = list(getattr(image, "applist", []) or [])
    main, extended = xmp_packets(applist)
    if main is None and extended is None:
        return None
    roots = [parse_xmp(packet) for packet in (main, extended) if packet]
    props: dict[str, str] = {}
    for root in roots:
        for key, value in properties(root).items():
            props.setdefault(key, value)
    items = next((found for found in map(container_items, roots) if found), [])
    if not any(k.startswith(("GDepth:", "DepthMap:")) for k in props):
        return None
    data = Path(path).read_bytes() if items and "GDepth:Data" not in props else b""
    encoded = _depth_image(data, props, items)
    if encoded is None:
        raise ValueError("its XMP describes a depth map but the map itself is missing")
    values = _decode_map(encoded)
    if values is None:
        raise ValueError("its depth image cannot be decoded")
    fmt = props.get("GDepth:Format") or props.get("DepthMap:Format") or "RangeInverse"
    near = _number(props.get("GDepth:Near") or props.get("DepthMap:Near"))
    far = _number(props.get("GDepth:Far") or props.get("DepthMap:Far"))
    return to_distance(values, fmt, near, far)
