"""The results list: a Qt model over search results and the delegate that paints each row.

One row per result: the file name (bold), its folder and page, a score bar, and a two-line
snippet with the query's words highlighted. Colours come from the view's palette, so light
and dark themes both work without a colour written here.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QTextDocument,
    QTextOption,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop_app.events import SearchResult
from desktop_app.extract.registry import page_word
from desktop_app.gui.snippets import highlight_html, make_snippet
from desktop_app.gui.wording import count
from desktop_app.query_terms import Terms, terms_of

#: The SearchResult of a row.
ResultRole = Qt.ItemDataRole.UserRole + 1
#: The snippet of a row, as plain text.
SnippetRole = Qt.ItemDataRole.UserRole + 2
#: "+2 more in this file · also in 1 other file", or "" (see ``extras_text``).
ExtrasRole = Qt.ItemDataRole.UserRole + 3


def extras_text(result: SearchResult) -> str:
    """What a result stands for besides itself: that its file is found by its words while
    it waits for its vectors, passages of its file left out of the list, and copies of the
    same passage in other files."""
    parts = []
    if result.meaning_pending:
        parts.append("meaning pending")
    if result.more_in_file:
        parts.append(f"+{result.more_in_file} more in this file")
    if result.duplicates:
        parts.append(f"also in {count(len(result.duplicates), 'other file')}")
    return "  ·  ".join(parts)

_AnyIndex = QModelIndex | QPersistentModelIndex

#: Share of a shortened file name kept from its start; the rest is its end, where names
#: differ most ("report-2023-03.pdf", "manual.en.pdf" / "manual.fr.pdf").
NAME_HEAD_SHARE = 0.4


def elide_name(name: str, metrics: QFontMetrics, width: int) -> str:
    """``name`` shortened in the middle to fit ``width`` pixels, keeping more of its end."""
    if metrics.horizontalAdvance(name) <= width:
        return name
    for keep in range(len(name) - 1, 0, -1):
        head = max(1, int(keep * NAME_HEAD_SHARE))
        candidate = f"{name[:head]}…{name[len(name) - (keep - head):]}"
        if metrics.horizontalAdvance(candidate) <= width:
            return candidate
    return metrics.elidedText(name, Qt.TextElideMode.ElideRight, width)


class ResultsModel(QAbstractListModel):
    """Search results of the latest query; DisplayRole of a row is the file's name."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._results: list[SearchResult] = []
        self._snippets: list[str] = []
        self.query = ""
        self.terms = Terms()

    def set_results(self, query: str, results: list[SearchResult], *,
                    highlight: bool = True) -> None:
        """Show ``results``; ``highlight``: mark the query's words in the snippets."""
        self.beginResetModel()
        self.query = query
        self.terms = terms_of(query) if highlight else Terms()
        self._results = list(results)
        self._snippets = [make_snippet(r.text, self.terms) for r in self._results]
        self.endResetModel()

    def clear(self) -> None:
        self.set_results("", [])

    def result(self, row: int) -> SearchResult | None:
        return self._results[row] if 0 <= row < len(self._results) else None

    def rowCount(self, parent: _AnyIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._results)

    def data(self, index: _AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._results):
            return None
        result = self._results[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return os.path.basename(result.path)
        if role == Qt.ItemDataRole.ToolTipRole:
            where = (f" — {page_word(result.path)} {result.page}"
                     if result.page is not None else "")
            verdict = "" if result.good_match else " — not a good match"
            tip = f"{result.path}{where}\nrelevance {result.score:.0%}{verdict}"
            if result.meaning_pending:
                tip += ("\nFound by its words; it will be found by meaning too once indexing "
                        "reaches it")
            if result.more_in_file:
                tip += f"\n{count(result.more_in_file, 'more matching passage')} in this file"
            if result.duplicates:
                tip += "\nThe same passage is also in:\n" + "\n".join(
                    f"  {p}" for p in result.duplicates[:10])
            return tip
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{os.path.basename(result.path)}, {self._snippets[index.row()]}"
        if role == ResultRole:
            return result
        if role == SnippetRole:
            return self._snippets[index.row()]
        if role == ExtrasRole:
            return extras_text(result)
        return None


class ResultDelegate(QStyledItemDelegate):
    """Paints a result row: name and score bar, folder and page, highlighted snippet."""

    PADDING = 8
    BAR_WIDTH = 56
    SNIPPET_LINES = 2
    #: A list narrower than this (px) shows a line more of each snippet.
    NARROW = 420

    def __init__(self, model: ResultsModel, parent: Any = None) -> None:
        super().__init__(parent)
        self._model = model

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont, QFont]:
        name = QFont(option.font)
        name.setBold(True)
        detail = QFont(option.font)
        detail.setPointSizeF(max(7.0, option.font.pointSizeF() * 0.9))
        return name, detail, QFont(option.font)

    def snippet_lines(self, option: QStyleOptionViewItem) -> int:
        widget = option.widget
        width = widget.width() if widget is not None else option.rect.width()
        return self.SNIPPET_LINES + (1 if 0 < width < self.NARROW else 0)

    def sizeHint(self, option: QStyleOptionViewItem, index: _AnyIndex) -> QSize:
        name, detail, body = self._fonts(option)
        height = (QFontMetrics(name).height() + QFontMetrics(detail).height()
                  + self.snippet_lines(option) * QFontMetrics(body).lineSpacing()
                  + 3 * self.PADDING)
        return QSize(0, height)  # as wide as the list: never a horizontal scroll bar

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _AnyIndex) -> None:
        result: SearchResult | None = index.data(ResultRole)
        if result is None:
            return super().paint(painter, option, index)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget is not None else None
        painter.save()
        # The selection/hover background exactly as the platform style draws it.
        if style is not None:
            opt.text = ""
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = opt.palette
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        text_color = palette.color(text_role)
        dim_color = QColor(text_color)
        dim_color.setAlphaF(0.68)

        name_font, detail_font, body_font = self._fonts(opt)
        rect = opt.rect.adjusted(self.PADDING, self.PADDING // 2 + 2,
                                 -self.PADDING, -self.PADDING // 2)
        name_metrics = QFontMetrics(name_font)
        detail_metrics = QFontMetrics(detail_font)

        # Line 1: file name, and the score bar at the right.
        bar = QRect(rect.right() - self.BAR_WIDTH, rect.top() + name_metrics.height() // 2 - 3,
                    self.BAR_WIDTH, 6)
        name_rect = QRect(rect.left(), rect.top(), rect.width() - self.BAR_WIDTH - 10,
                          name_metrics.height())
        painter.setFont(name_font)
        painter.setPen(text_color)
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         elide_name(index.data(), name_metrics, name_rect.width()))
        self._paint_score(painter, bar, result.score, palette, selected, result.good_match)

        # Line 2: folder (elided in the middle, where paths are least informative) and page;
        # at the right, what the result stands for besides itself ("+2 more in this file").
        top = rect.top() + name_metrics.height() + 2
        line = QRect(rect.left(), top, rect.width(), detail_metrics.height())
        painter.setFont(detail_font)
        painter.setPen(dim_color)
        extras = extras_text(result)
        if extras:
            extras = detail_metrics.elidedText(extras, Qt.TextElideMode.ElideRight,
                                               rect.width() // 2)
            extras_width = detail_metrics.horizontalAdvance(extras)
            painter.drawText(line, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             extras)
            line.setWidth(max(0, rect.width() - extras_width - 12))
        page = (f"  ·  {page_word(result.path)} {result.page}"
                if result.page is not None else "")
        page_width = detail_metrics.horizontalAdvance(page)
        folder = detail_metrics.elidedText(os.path.dirname(result.path),
                                           Qt.TextElideMode.ElideMiddle,
                                           max(40, line.width() - page_width))
        painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         folder + page)

        # Lines 3-4: the snippet, query words bold on a soft highlight.
        top += detail_metrics.height() + self.PADDING // 2
        body_metrics = QFontMetrics(body_font)
        snippet_height = self.snippet_lines(opt) * body_metrics.lineSpacing() + 2
        self._paint_snippet(painter, QRect(rect.left(), top, rect.width(), snippet_height),
                            index.data(SnippetRole) or "", body_font, text_color, palette,
                            selected)
        painter.restore()

    def _paint_score(self, painter: QPainter, bar: QRect, score: float, palette: QPalette,
                     selected: bool, good_match: bool) -> None:
        # The relevance is calibrated (0-1, the same scale in every mode and for every
        # query), so bars are comparable across queries; one under a good match is grey.
        fraction = min(1.0, max(0.0, score))
        track = QColor(palette.color(QPalette.ColorRole.Text))
        track.setAlphaF(0.15)
        fill = QColor(palette.color(QPalette.ColorRole.HighlightedText if selected
                                    else QPalette.ColorRole.Highlight))
        if not good_match:
            fill = QColor(palette.color(QPalette.ColorRole.Text))
            fill.setAlphaF(0.45)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(track)
        painter.drawRoundedRect(QRectF(bar), 3, 3)
        if fraction > 0:
            filled = QRectF(bar)
            filled.setWidth(max(6.0, bar.width() * fraction))
            painter.setBrush(fill)
            painter.drawRoundedRect(filled, 3, 3)

    def _paint_snippet(self, painter: QPainter, rect: QRect, snippet: str, font: QFont,
                       text_color: QColor, palette: QPalette, selected: bool) -> None:
        mark = QColor(palette.color(QPalette.ColorRole.Highlight))
        mark.setAlphaF(0.30 if not selected else 0.0)
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setDefaultFont(font)
        # Lines break between words only (the default also breaks inside a long word).
        wrap = QTextOption()
        wrap.setWrapMode(QTextOption.WrapMode.WordWrap)
        doc.setDefaultTextOption(wrap)
        doc.setTextWidth(rect.width())
        open_tag = (f'<b style="background-color: rgba({mark.red()},{mark.green()},'
                    f'{mark.blue()},{mark.alphaF():.2f})">')
        body = highlight_html(snippet, self._model.terms, open_tag, "</b>")
        doc.setHtml(f'<div style="color: {text_color.name()}">{body}</div>')
        # Clip at the bottom of the last whole line that fits, never through a line.
        height = float(rect.height())
        bottoms = []
        block = doc.begin()
        while block.isValid():
            top = doc.documentLayout().blockBoundingRect(block).top()  # lays the text out
            lines = block.layout()
            bottoms += [top + lines.lineAt(i).rect().bottom() for i in range(lines.lineCount())]
            block = block.next()
        fitting = [b for b in bottoms if b <= rect.height() + 1]
        if fitting:
            height = max(fitting) + 1
        painter.save()
        painter.translate(rect.topLeft())
        clip = QRectF(0, 0, rect.width(), height)
        painter.setClipRect(clip)
        doc.drawContents(painter, clip)
        painter.restore()
