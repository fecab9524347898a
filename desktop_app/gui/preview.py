"""The preview pane: the selected result's page (PDF) or text, with the passage highlighted.

The pane asks for a render (``render_requested``) and shows what comes back; the rendering
itself runs on the reader thread (see ``rendering.py``). Each request has a generation
number, so a render that arrives after the user moved on is dropped.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPalette, QPixmap, QTextCharFormat, QTextCursor, QWheelEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.events import SearchResult
from desktop_app.extract.ocr_cache import FOLDER as OCR_FOLDER
from desktop_app.extract.registry import page_word
from desktop_app.gui.rendering import (
    PdfPreview,
    Preview,
    PreviewError,
    PreviewRequest,
    TextPreview,
)
from desktop_app.gui.widgets import ElidedLabel, SecondaryLabel

#: A render is redone when the pane's width changes by more than this share.
RERENDER_SHARE = 0.1
#: Zoom levels, as multiples of "fit the page's width to the pane".
ZOOM_STEPS = (1.0, 1.5, 2.0, 3.0, 4.0)


#: Changes that call for a new render: palette (light/dark switch), style, screen density.
_RERENDER_EVENTS = tuple(getattr(QEvent.Type, name) for name in (
    "PaletteChange", "StyleChange", "DevicePixelRatioChange") if hasattr(QEvent.Type, name))


def _step_from(current: float, direction: int) -> float:
    """The next zoom level above (direction 1) or below (-1) ``current``."""
    if direction > 0:
        return next((z for z in ZOOM_STEPS if z > current + 0.01), ZOOM_STEPS[-1])
    return next((z for z in reversed(ZOOM_STEPS) if z < current - 0.01), ZOOM_STEPS[0])


def highlight_color(palette: QPalette) -> QColor:
    """The marker for passages on a page: the palette's highlight hue as a pale tint, since
    paper stays white in a dark theme too and black text must stay readable under it."""
    hue = palette.color(QPalette.ColorRole.Highlight).hslHue()
    return QColor.fromHsl(max(0, hue), 200, 200)


class PreviewPane(QFrame):
    render_requested = Signal(int, object)  # generation, PreviewRequest
    shown = Signal(object)  # the Preview now on screen
    open_requested = Signal(str)  # path: the window opens it and says so if it cannot
    reveal_requested = Signal(str)  # path

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewPane")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._generation = 0
        self._result: SearchResult | None = None
        self._rendered_width = 0
        self._zoom: float | None = None  # None: automatic (see PreviewRequest.zoom)
        self._shown_zoom = 1.0
        self.preview: Preview | None = None

        self.title = ElidedLabel()
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.where = ElidedLabel(secondary=True)
        self.open_button = QPushButton("Open")
        self.open_button.setToolTip("Open in the default app (Enter or double-click)")
        self.open_button.clicked.connect(self.open_current)
        self.reveal_button = QPushButton("Show in folder")
        self.reveal_button.clicked.connect(self.reveal_current)
        self.zoom_out_button = QToolButton(text="−", toolTip="Zoom out (Ctrl+wheel)")
        self.zoom_fit_button = QToolButton(text="Fit", toolTip="Fit the page's width")
        self.zoom_in_button = QToolButton(text="+", toolTip="Zoom in (Ctrl+wheel)")
        self.zoom_out_button.clicked.connect(self.zoom_out)
        self.zoom_fit_button.clicked.connect(lambda: self.set_zoom(1.0))
        self.zoom_in_button.clicked.connect(self.zoom_in)
        tools = QHBoxLayout()
        tools.setContentsMargins(0, 0, 0, 0)
        tools.addWidget(self.open_button)
        tools.addWidget(self.reveal_button)
        tools.addStretch(1)
        for button in (self.zoom_out_button, self.zoom_fit_button, self.zoom_in_button):
            tools.addWidget(button)
        self.header = QWidget()
        header = QVBoxLayout(self.header)
        header.setContentsMargins(0, 0, 0, 0)
        header.setSpacing(2)
        header.addWidget(self.title)
        header.addWidget(self.where)
        header.addLayout(tools)

        self.placeholder = SecondaryLabel()
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.page_label = QLabel()
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.page_label)
        self.scroll.setWidgetResizable(False)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.scroll.setBackgroundRole(QPalette.ColorRole.Dark)
        self.scroll.viewport().installEventFilter(self)
        self.text_view = QPlainTextEdit()
        self.text_view.setReadOnly(True)
        self.text_view.setAcceptDrops(False)
        self.text_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.stack = QStackedWidget()
        for widget in (self.placeholder, self.scroll, self.text_view):
            self.stack.addWidget(widget)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.stack, 1)

        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(150)
        self._resize_timer.timeout.connect(self._rerender_if_resized)
        self.show_placeholder("Select a result to see the passage in its page.")

    # -- what the window tells it ------------------------------------------------------
    def show_placeholder(self, text: str) -> None:
        self._result = None
        self.preview = None
        self._generation += 1  # any render still on its way is stale now
        self.title.set_full_text("")
        self.where.set_full_text("")
        self.header.hide()
        self._update_zoom_buttons()
        self.placeholder.setText(text)
        self.stack.setCurrentWidget(self.placeholder)

    def set_result(self, result: SearchResult) -> None:
        """Show ``result``: its header at once, its page when the render arrives."""
        previous = self._result
        if previous is None or (previous.path, previous.page) != (result.path, result.page):
            self._zoom = None  # another page: automatic zoom again
        self._result = result
        self.title.set_full_text(os.path.basename(result.path))
        page = (f"{page_word(result.path)} {result.page}  ·  "
                if result.page is not None else "")
        self.where.set_full_text(f"{page}{os.path.dirname(result.path)}")
        self.header.show()
        self._request_render()

    def accept(self, generation: int, preview: Preview) -> None:
        """A render arrived: show it unless the user has moved on."""
        if generation != self._generation or self._result is None:
            return
        self.preview = preview
        if isinstance(preview, PdfPreview):
            self._show_pdf(preview)
        elif isinstance(preview, TextPreview):
            self._show_text(preview)
        elif isinstance(preview, PreviewError):
            self.placeholder.setText(preview.message)
            self.stack.setCurrentWidget(self.placeholder)
        self._update_zoom_buttons()
        self.shown.emit(preview)

    def set_zoom(self, zoom: float | None) -> None:
        """Show pages at ``zoom`` times the pane's width; None: automatic."""
        self._zoom = zoom
        if isinstance(self.preview, PdfPreview):
            self._request_render()

    def zoom_in(self) -> None:
        self.set_zoom(_step_from(self._shown_zoom, 1))

    def zoom_out(self) -> None:
        self.set_zoom(_step_from(self._shown_zoom, -1))

    def stop(self) -> None:
        self._resize_timer.stop()

    # -- what tests and the window read ------------------------------------------------
    def page_pixmap(self) -> QPixmap:
        return self.page_label.pixmap()

    def highlighted_text(self) -> str:
        selections = self.text_view.extraSelections()
        return selections[0].cursor.selectedText() if selections else ""

    # -- actions -----------------------------------------------------------------------
    def open_current(self) -> None:
        if self._result is not None:
            self.open_requested.emit(self._result.path)

    def reveal_current(self) -> None:
        if self._result is not None:
            self.reveal_requested.emit(self._result.path)

    # -- internals ---------------------------------------------------------------------
    def _request_render(self) -> None:
        if self._result is None:
            return
        self._generation += 1
        dpr = self.devicePixelRatioF()
        # The viewport minus a scroll bar's width, so a tall page never scrolls sideways.
        logical = max(200, self.scroll.viewport().width()
                      - self.scroll.verticalScrollBar().sizeHint().width() - 4)
        if not self.scroll.isVisible():
            logical = max(200, self.stack.width() - 24)
        self._rendered_width = logical
        request = PreviewRequest(self._result, int(logical * dpr), dpr,
                                 highlight_color(self.palette()), self._zoom,
                                 ocr_cache=self._ocr_cache())
        self.render_requested.emit(self._generation, request)

    def _ocr_cache(self) -> Path | None:
        """The OCR cache of the library the window shows (word boxes of scanned pages)."""
        data_dir = getattr(self.window(), "data_dir", None)
        return Path(data_dir) / OCR_FOLDER if data_dir is not None else None

    def _show_pdf(self, preview: PdfPreview) -> None:
        pixmap = QPixmap.fromImage(preview.image)
        pixmap.setDevicePixelRatio(preview.image.devicePixelRatio())
        self._shown_zoom = preview.zoom
        self.page_label.setPixmap(pixmap)
        self.page_label.adjustSize()
        self.stack.setCurrentWidget(self.scroll)
        vertical = self.scroll.verticalScrollBar()
        horizontal = self.scroll.horizontalScrollBar()
        if preview.highlights:
            top = min(r.top() for r in preview.highlights)
            bottom = max(r.bottom() for r in preview.highlights)
            left = min(r.left() for r in preview.highlights)
            # The passage's top a third of the way down, or its middle if it is short.
            viewport = self.scroll.viewport()
            tall = bottom - top > viewport.height() / 2
            y = top - viewport.height() / 3 if tall else (top + bottom - viewport.height()) / 2
            vertical.setValue(int(max(0, y)))
            horizontal.setValue(int(max(0, left - 24)))
        else:
            vertical.setValue(0)
            horizontal.setValue(0)

    def _show_text(self, preview: TextPreview) -> None:
        self.text_view.setPlainText(preview.text)
        selections = []
        if preview.end > preview.start:
            mark = QTextEdit.ExtraSelection()
            fmt = QTextCharFormat()
            color = QColor(self.palette().color(QPalette.ColorRole.Highlight))
            color.setAlpha(90)
            fmt.setBackground(color)
            mark.format = fmt
            cursor = QTextCursor(self.text_view.document())
            cursor.setPosition(preview.start)
            cursor.setPosition(preview.end, QTextCursor.MoveMode.KeepAnchor)
            mark.cursor = cursor
            selections.append(mark)
            # Land on the passage: put the caret at its start and centre it.
            caret = QTextCursor(self.text_view.document())
            caret.setPosition(preview.start)
            self.text_view.setTextCursor(caret)
            self.text_view.centerCursor()
        self.text_view.setExtraSelections(selections)
        if preview.note:
            self.where.set_full_text(f"{preview.note}  ·  {self.where.full_text()}")
        self.stack.setCurrentWidget(self.text_view)

    def _rerender_if_resized(self) -> None:
        if not isinstance(self.preview, PdfPreview) or self._result is None:
            return
        width = self.scroll.viewport().width()
        if abs(width - self._rendered_width) > RERENDER_SHARE * max(1, self._rendered_width):
            self._request_render()

    def _update_zoom_buttons(self) -> None:
        is_page = isinstance(self.preview, PdfPreview)
        for button in (self.zoom_out_button, self.zoom_fit_button, self.zoom_in_button):
            button.setVisible(is_page)
        self.zoom_out_button.setEnabled(self._shown_zoom > ZOOM_STEPS[0] + 0.01)
        self.zoom_fit_button.setEnabled(abs(self._shown_zoom - 1.0) > 0.01)
        self.zoom_in_button.setEnabled(self._shown_zoom < ZOOM_STEPS[-1] - 0.01)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.scroll.viewport():
            if event.type() == QEvent.Type.Resize:
                self._resize_timer.start()
            elif (event.type() == QEvent.Type.Wheel and isinstance(event, QWheelEvent)
                  and event.modifiers() & Qt.KeyboardModifier.ControlModifier):
                if event.angleDelta().y() > 0:
                    self.zoom_in()
                else:
                    self.zoom_out()
                return True
        return super().eventFilter(watched, event)

    def changeEvent(self, event: QEvent) -> None:
        # A new palette (the system switched to dark) or a move to a screen with another
        # pixel ratio: render again with the new highlight colour and resolution.
        if event.type() in _RERENDER_EVENTS and isinstance(self.preview, PdfPreview):
            self._request_render()
        super().changeEvent(event)
