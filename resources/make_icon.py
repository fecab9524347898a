"""Render the application icon's PNG (and Windows .ico) from the hand-written SVG.

Run from anywhere: ``python resources/make_icon.py``. Writes ``resources/app-icon.png``
(256 px), ``resources/app-icon-<n>.png`` for the smaller sizes desktops ask for, and
``resources/app-icon.ico``, then copies the SVG and PNGs into ``desktop_app/resources/`` so
they install with the package.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parent
PACKAGE_RESOURCES = HERE.parent / "desktop_app" / "resources"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (fonts)
    svg = HERE / "app-icon.svg"
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        print(f"cannot read {svg}", file=sys.stderr)
        return 1
    PACKAGE_RESOURCES.mkdir(exist_ok=True)
    shutil.copyfile(svg, PACKAGE_RESOURCES / svg.name)
    for size in SIZES:
        image = render(renderer, size)
        name = "app-icon.png" if size == 256 else f"app-icon-{size}.png"
        image.save(str(HERE / name))
        shutil.copyfile(HERE / name, PACKAGE_RESOURCES / name)
    # Qt's ICO writer stores one size per call; 256 px is what Windows scales down from.
    if not render(renderer, 256).save(str(HERE / "app-icon.ico")):
        print("note: this Qt build cannot write .ico; skipped", file=sys.stderr)
    print(f"wrote icons for sizes {', '.join(map(str, SIZES))} to {HERE} and "
          f"{PACKAGE_RESOURCES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
