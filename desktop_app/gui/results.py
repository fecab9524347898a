"""The results list: a Qt model over search results and the delegate that paints each row.

One row per result: the file name (bold), its folder, page and section, a score bar, and a
two-line snippet with the query's words highlighted. A result of the same file as the row
above (the search puts a file that holds most of the good candidates together, best page
first) is folded under it: indented on a guide line, its page and section where the name
would be. A file's first row says when the file holds more ("More from this file (+4)"),
and a click on that searches only in the file. Colours come from the view's palette, so
light and dark themes both work without a colour written here.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QMouseEvent,
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
#: "meaning pending · also in 1 other file", or "" (see ``extras_text``).
ExtrasRole = Qt.ItemDataRole.UserRole + 3
#: True when the row is a further result of the file of the row above (folded under it).
FollowerRole = Qt.ItemDataRole.UserRole + 4


def extras_text(result: SearchResult) -> str:
    """What a result stands for besides itself: that its file is found by its words while
    it waits for its vectors, and copies of the same passage in other files."""
    parts = []
    if result.meaning_pending:
        parts.append("meaning pending")
    if result.duplicates:
        parts.append(f"also in {count(len(result.duplicates), 'other file')}")
    return "  ·  ".join(parts)


def more_text(result: SearchResult) -> str:
    """The link on a file's first result to the passages of the file not shown."""
    return f"More from this file (+{result.more_in_file})" if result.more_in_file else ""


def where_text(result: SearchResult) -> str:
    """"page 12 · Installation › Network setup": where in its file a passage is."""
    parts = []
    if result.page is not None:
        parts.append(f"{page_word(result.path)} {result.page}")
    if result.section:
        parts.append(result.section)
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

    def follows(self, row: int) -> bool:
        """Whether ``row`` is a further result of the file of the row above."""
        return 0 < row < len(self._results) and (
            self._results[row].path == self._results[row - 1].path)

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
        if role == FollowerRole:
            return self.follows(index.row())
        return None


class ResultDelegate(QStyledItemDelegate):
    """Paints a result row: name and score bar, folder and page, highlighted snippet; a
    further result of the row above's file folded under it. ``more_from_file`` (the row)
    when "More from this file" is clicked."""

    more_from_file = Signal(int)

    PADDING = 8
    #: how far a folded result is indented under its file's first one (px)
    INDENT = 22
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
        follower = bool(index.data(FollowerRole))
        rect = self._content_rect(opt, follower)
        name_metrics = QFontMetrics(name_font)
        detail_metrics = QFontMetrics(detail_font)
        if follower:  # a guide line down the fold, under the file's first result
            guide = QColor(dim_color)
            guide.setAlphaF(0.35)
            x = opt.rect.left() + self.PADDING + self.INDENT // 2 - 4
            painter.fillRect(QRect(x, opt.rect.top(), 2, opt.rect.height()), guide)

        # Line 1: file name (a folded result: its page and section), and the score bar.
        bar = QRect(rect.right() - self.BAR_WIDTH, rect.top() + name_metrics.height() // 2 - 3,
                    self.BAR_WIDTH, 6)
        name_rect = QRect(rect.left(), rect.top(), rect.width() - self.BAR_WIDTH - 10,
                          name_metrics.height())
        painter.setFont(body_font if follower else name_font)
        painter.setPen(text_color)
        if follower:
            head = QFontMetrics(body_font).elidedText(
                where_text(result) or "another passage", Qt.TextElideMode.ElideRight,
                name_rect.width())
        else:
            head = elide_name(index.data(), name_metrics, name_rect.width())
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         head)
        self._paint_score(painter, bar, result.score, palette, selected, result.good_match)

        # Line 2: folder (elided in the middle, where paths are least informative), page and
        # section; at the right, "More from this file (+4)" as a link, and what the result
        # stands for besides itself ("meaning pending", copies in other files).
        top = rect.top() + name_metrics.height() + 2
        line = QRect(rect.left(), top, rect.width(), detail_metrics.height())
        more_rect = self._more_rect(opt, index, follower)
        if more_rect is not None:
            link = QFont(detail_font)
            link.setUnderline(True)
            painter.setFont(link)
            painter.setPen(palette.color(QPalette.ColorRole.HighlightedText if selected
                                         else QPalette.ColorRole.Link))
            painter.drawText(more_rect, Qt.AlignmentFlag.AlignRight
                             | Qt.AlignmentFlag.AlignVCenter, more_text(result))
            line.setWidth(max(0, more_rect.left() - line.left() - 12))
        painter.setFont(detail_font)
        painter.setPen(dim_color)
        extras = extras_text(result)
        if extras:
            extras = detail_metrics.elidedText(extras, Qt.TextElideMode.ElideRight,
                                               line.width() // 2)
            extras_width = detail_metrics.horizontalAdvance(extras)
            painter.drawText(line, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             extras)
            line.setWidth(max(0, line.width() - extras_width - 12))
        if not follower:
            where = where_text(result)
            where = f"  ·  {where}" if where else ""
            folder = detail_metrics.elidedText(os.path.dirname(result.path),
                                               Qt.TextElideMode.ElideMiddle,
                                               max(40, line.width() // 2))
            painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             detail_metrics.elidedText(folder + where,
                                                       Qt.TextElideMode.ElideRight,
                                                       line.width()))

        # Lines 3-4: the snippet, query words bold on a soft highlight.
        top += detail_metrics.height() + self.PADDING // 2
        body_metrics = QFontMetrics(body_font)
        snippet_height = self.snippet_lines(opt) * body_metrics.lineSpacing() + 2
        self._paint_snippet(painter, QRect(rect.left(), top, rect.width(), snippet_height),
                            index.data(SnippetRole) or "", body_font, text_color, palette,
                            selected)
        painter.restore()

    def _content_rect(self, option: QStyleOptionViewItem, follower: bool) -> QRect:
        return option.rect.adjusted(self.PADDING + (self.INDENT if follower else 0),
                                    self.PADDING // 2 + 2, -self.PADDING, -self.PADDING // 2)

    def _more_rect(self, option: QStyleOptionViewItem, index: _AnyIndex,
                   follower: bool) -> QRect | None:
        """Where "More from this file" is drawn on a row, or None (nothing more)."""
        result: SearchResult | None = index.data(ResultRole)
        text = more_text(result) if result is not None and not follower else ""
        if not text:
            return None
        name_font, detail_font, _ = self._fonts(option)
        rect = self._content_rect(option, follower)
        metrics = QFontMetrics(detail_font)
        width = min(metrics.horizontalAdvance(text) + 2, rect.width() // 2)
        top = rect.top() + QFontMetrics(name_font).height() + 2
        return QRect(rect.right() - width, top, width, metrics.height())

    def editorEvent(self, event: QEvent, model: QAbstractItemModel,
                    option: QStyleOptionViewItem, index: _AnyIndex) -> bool:
        if (event.type() == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent)
                and event.button() == Qt.MouseButton.LeftButton):
            more = self._more_rect(option, index, bool(index.data(FollowerRole)))
            if more is not None and more.contains(event.position().toPoint()):
                self.more_from_file.emit(index.row())
                return True
        return super().editorEvent(event, model, option, index)

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
