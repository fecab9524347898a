"""Render the application icon's PNGs (and a Windows .ico) from the hand-written SVG.

Run from anywhere: ``python resources/make_icon.py``. The icon has one home, the package's
``desktop_app/resources/`` (the running app, ``--install-desktop-entry`` and the installers
all read it there): the source ``app-icon.svg`` lives there, and this writes beside it
``app-icon.png`` (256 px) and ``app-icon-<n>.png`` for the other sizes desktops ask for.
``resources/app-icon.ico`` (256 px) is written here, outside the package; the installers
assemble their own .ico and .icns from the PNGs (``installer/icons.py``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parent
PACKAGE_RESOURCES = HERE.parent / "desktop_app" / "resources"
SVG = PACKAGE_RESOURCES / "app-icon.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def save(image: QImage, target: Path) -> bool:
    """Write ``image`` to ``target`` through a temporary file, so no half-written icon is
    left if it fails; the format comes from the target's suffix."""
    temporary = target.with_name(f".{target.name}.tmp")
    if not image.save(str(temporary), target.suffix[1:].upper()):
        temporary.unlink(missing_ok=True)
        return False
    os.replace(temporary, target)
    return True


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (fonts)
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"cannot read {SVG}", file=sys.stderr)
        return 1
    for size in SIZES:
        name = "app-icon.png" if size == 256 else f"app-icon-{size}.png"
        if not save(render(renderer, size), PACKAGE_RESOURCES / name):
            print(f"cannot write {PACKAGE_RESOURCES / name}", file=sys.stderr)
            return 1
    # Qt's ICO writer stores one size per call; 256 px is what Windows scales down from.
    if not save(render(renderer, 256), HERE / "app-icon.ico"):
        print("note: this Qt build cannot write .ico; skipped", file=sys.stderr)
    print(f"wrote icons for sizes {', '.join(map(str, SIZES))} to {PACKAGE_RESOURCES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
