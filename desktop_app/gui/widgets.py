"""Small parts of the main window: the first-run empty state, dropping files on the window,
the banner, and a label that elides.

Colours are derived from the palette at paint time, so they follow light and dark themes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QDropEvent, QIcon, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)


class EmptyState(QWidget):
    """What a first run shows instead of results: an invitation to drop a folder. While
    files are dragged over it, it turns into the drop target itself (``set_dropping``)."""

    HEADING = "Drop folders here to search them by meaning"
    DROP_HEADING = "Drop to add to the library"

    add_requested = Signal()

    def __init__(self, icon: QIcon, parent: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        picture = QLabel()
        picture.setPixmap(icon.pixmap(96, 96))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading = heading = QLabel(self.HEADING)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        heading.setFont(font)
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        heading.setWordWrap(True)
        self.body = body = QLabel(
            "PDFs, text and Markdown files, web pages, e-books and more. Then ask a question "
            "in your own words — the app finds the passage and opens the right page.<br><br>"
            "Everything stays on this computer.")
        body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body.setWordWrap(True)
        # A wrapped label in a centring layout gets its narrow size hint; give it room.
        body.setMinimumWidth(360)
        body.setMaximumWidth(520)
        body.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.add_button = QPushButton("Add folder…")
        self.add_button.setDefault(True)
        self.add_button.clicked.connect(self.add_requested)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(picture)
        layout.addSpacing(12)
        layout.addWidget(heading)
        layout.addSpacing(6)
        body_row = QHBoxLayout()
        body_row.addStretch(1)
        body_row.addWidget(body, 4)
        body_row.addStretch(1)
        layout.addLayout(body_row)
        layout.addSpacing(18)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)
        self.dropping = False

    def set_dropping(self, dropping: bool) -> None:
        """Show what a drop will do, in place of the invitation (never over it)."""
        self.dropping = dropping
        self.heading.setText(self.DROP_HEADING if dropping else self.HEADING)
        self.body.setVisible(not dropping)
        self.add_button.setVisible(not dropping)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        # A dashed drop zone: the palette's mid tone, or its accent while files hover.
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        zone = QRectF(self.rect()).adjusted(16, 16, -16, -16)
        if self.dropping:
            accent = self.palette().color(QPalette.ColorRole.Highlight)
            fill = QColor(accent)
            fill.setAlphaF(0.12)
            painter.setBrush(fill)
            painter.setPen(QPen(accent, 3, Qt.PenStyle.DashLine))
        else:
            color = QColor(self.palette().color(QPalette.ColorRole.Text))
            color.setAlphaF(0.25)
            painter.setPen(QPen(color, 2, Qt.PenStyle.DashLine))
        painter.drawRoundedRect(zone, 14, 14)
        painter.end()


class DropOverlay(QWidget):
    """Covers the window while files are dragged over it, saying what a drop will do."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        accent = self.palette().color(QPalette.ColorRole.Highlight)
        fill = QColor(accent)
        fill.setAlphaF(0.18)
        painter.setBrush(fill)
        painter.setPen(QPen(accent, 3, Qt.PenStyle.DashLine))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(8, 8, -8, -8), 14, 14)
        font = painter.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Drop to add to the library")
        painter.end()


class Banner(QFrame):
    """A one-line message across the top of the window, with an optional action."""

    action_clicked = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.ToolTipBase)
        self.setForegroundRole(QPalette.ColorRole.ToolTipText)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setForegroundRole(QPalette.ColorRole.ToolTipText)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.button = QPushButton()
        self.button.clicked.connect(self.action_clicked)
        self.close_button = QPushButton("Dismiss")
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        layout.addWidget(self.close_button)
        self.hide()

    def show_message(self, text: str, action: str = "") -> None:
        self.label.setText(text)
        self.button.setText(action)
        self.button.setVisible(bool(action))
        self.show()


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Size ``window`` to ``width`` x ``height``, or to its screen if that is smaller."""
    screen = window.screen()
    if screen is not None:
        room = screen.availableGeometry().size()
        width, height = min(width, room.width()), min(height, room.height())
    window.resize(width, height)


def secondary_color(palette: QPalette) -> QColor:
    """Text colour for secondary information: the text colour two thirds of the way to the
    background. The palette's disabled and placeholder colours are fainter than that and
    fall below a readable contrast on Fusion's light grey (3.5:1)."""
    text = palette.color(QPalette.ColorRole.WindowText)
    back = palette.color(QPalette.ColorRole.Window)
    mix = 0.62

    def blend(a: int, b: int) -> int:
        return round(a * mix + b * (1 - mix))

    return QColor(blend(text.red(), back.red()), blend(text.green(), back.green()),
                  blend(text.blue(), back.blue()))


def tint_secondary(label: QLabel) -> None:
    """Give ``label`` the secondary text colour of the application's current palette."""
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, secondary_color(QApplication.palette(label)))
    label.setPalette(palette)


class SecondaryLabel(QLabel):
    """A label in the secondary text colour, kept in step with the application's palette."""

    def __init__(self, text: str = "", parent: Any = None) -> None:
        super().__init__(text, parent)
        tint_secondary(self)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # Not on PaletteChange: that is what tinting itself causes.
        if event.type() == QEvent.Type.ApplicationPaletteChange:
            tint_secondary(self)


class ElidedLabel(QLabel):
    """A one-line label that elides its text (in the middle, where paths say least) instead
    of being cut off or pushing its neighbours away; the full text is its tooltip."""

    def __init__(self, text: str = "", parent: Any = None, *, secondary: bool = False) -> None:
        super().__init__(parent)
        self._full = ""
        self._secondary = secondary
        if secondary:
            tint_secondary(self)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.set_full_text(text)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if self._secondary and event.type() == QEvent.Type.ApplicationPaletteChange:
            tint_secondary(self)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(10, self.width())
        super().setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle,
                                                      width))


class FileDropFilter(QObject):
    """Makes a window a drop target for files and folders: while they are dragged over it,
    the empty state (when it is showing) becomes the drop target, else an overlay covers the
    window; emits ``dropped`` with their local paths."""

    dropped = Signal(list)  # [path]

    def __init__(self, window: QWidget, overlay_parent: QWidget,
                 empty_state: EmptyState | None = None) -> None:
        super().__init__(window)
        self._overlay = DropOverlay(overlay_parent)
        self._empty = empty_state
        window.setAcceptDrops(True)
        window.installEventFilter(self)

    @property
    def overlay(self) -> DropOverlay:
        return self._overlay

    @staticmethod
    def local_paths(event: QDropEvent) -> list[str]:
        mime = event.mimeData()
        if mime is None or not mime.hasUrls():
            return []
        return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            assert isinstance(event, QDropEvent)  # QDragEnterEvent and QDragMoveEvent are
            if not self.local_paths(event):
                event.ignore()
                return True
            event.acceptProposedAction()
            if kind == QEvent.Type.DragEnter:
                self._show_target(True)
            return True
        if kind == QEvent.Type.DragLeave:
            self._show_target(False)
            return True
        if kind == QEvent.Type.Resize and self._overlay.isVisible():
            self._overlay.setGeometry(self._overlay.parentWidget().rect())
        if kind == QEvent.Type.Drop:
            assert isinstance(event, QDropEvent)
            self._show_target(False)
            paths = self.local_paths(event)
            if not paths:
                event.ignore()
                return True
            event.acceptProposedAction()
            self.dropped.emit(paths)
            return True
        return super().eventFilter(watched, event)

    def _show_target(self, shown: bool) -> None:
        if not shown:
            self._overlay.hide()
            if self._empty is not None and self._empty.dropping:
                self._empty.set_dropping(False)
        elif self._empty is not None and self._empty.isVisible():
            self._empty.set_dropping(True)
        else:
            self._overlay.setGeometry(self._overlay.parentWidget().rect())
            self._overlay.raise_()
            self._overlay.show()
