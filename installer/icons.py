"""Application icon files for the installers, made from the PNGs in desktop_app/resources.

Windows wants an ``.ico`` and macOS an ``.icns``; both formats may simply carry PNG images,
so they are assembled here byte by byte on any OS, with no image library and no macOS-only
``iconutil``. The PNGs are the single source of the icon (rendered from ``app-icon.svg``).
"""

from __future__ import annotations

import struct
from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[1] / "desktop_app" / "resources"

#: ICNS element types holding PNG data, by pixel size (the "@2x" types reuse a larger PNG).
_ICNS_TYPES = {16: [b"icp4"], 32: [b"icp5", b"ic11"], 64: [b"icp6", b"ic12"],
               128: [b"ic07"], 256: [b"ic08", b"ic13"], 512: [b"ic09", b"ic14"]}


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def icon_pngs(folder: Path = RESOURCES) -> dict[int, bytes]:
    """The square PNG renderings of the app icon, by size."""
    found = {}
    for path in sorted(folder.glob("app-icon*.png")):
        data = path.read_bytes()
        width, height = png_size(data)
        if width == height:
            found[width] = data
    if not found:
        raise FileNotFoundError(f"no app-icon*.png in {folder}")
    return found


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICO holding the PNGs of 256 px and below (the format's largest size)."""
    sizes = sorted(s for s in pngs if s <= 256)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, images = b"", b""
    for size in sizes:
        data = pngs[size]
        # A width or height of 256 is written as 0; colours 0, planes 1, 32 bits per pixel.
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(data),
                               offset + len(images))
        images += data
    return header + entries + images


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICNS holding every PNG under each element type its size serves."""
    body = b""
    for size, types in sorted(_ICNS_TYPES.items()):
        if size in pngs:
            for kind in types:
                body += kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size]
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def write_icons(target: Path) -> tuple[Path, Path]:
    """Write ``desktop-app.ico`` and ``desktop-app.icns`` into ``target``; their paths."""
    target.mkdir(parents=True, exist_ok=True)
    pngs = icon_pngs()
    ico, icns = target / "desktop-app.ico", target / "desktop-app.icns"
    ico.write_bytes(ico_bytes(pngs))
    icns.write_bytes(icns_bytes(pngs))
    return ico, icns
