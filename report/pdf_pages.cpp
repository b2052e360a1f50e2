#include "report/pdf_pages.h"

#include <QAbstractTextDocumentLayout>
#include <QFontMetricsF>
#include <QPagedPaintDevice>
#include <QPainter>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocumentFragment>
#include <QTextDocument>
#include <QTextFrame>
#include <QTextTable>

#include <algorithm>
#include <cmath>
#include <limits>

namespace synthscope::report {
namespace {

// A paragraph that holds one picture and nothing else (the report's figures: <p><img></p>).
bool isPicture(const QTextBlock& block) {
    if (block.text().trimmed() != QString(QChar::ObjectReplacementCharacter)) return false;  // the HTML's line end can add a space
    for (auto it = block.begin(); !it.atEnd(); ++it)
        if (it.fragment().charFormat().isImageFormat()) return true;
    return false;
}

// The block that must print on the same page as `block`: the next one, except that a heading followed by a
// table is kept with the table's second row, since a heading left with only the header row of its table is
// parted from it all the same (and "Image and heatmap" keeps its pictures with their captions).
QTextBlock keptWith(const QTextBlock& block) {
    const QTextBlock next = block.next();
    if (!next.isValid() || block.blockFormat().headingLevel() == 0) return next;
    const QTextCursor at(next);
    const QTextTable* table = at.currentTable();
    if (!table || table->rows() < 2) return next;
    const QTextTableCell cell = table->cellAt(at);
    if (cell.row() != 0) return next;
    return table->cellAt(1, cell.column()).firstCursorPosition().block();
}

bool startsWithBreak(const QTextBlock& block) { return block.blockFormat().pageBreakPolicy() & QTextFormat::PageBreak_AlwaysBefore; }

int headerRows(const QTextTable& table) { return std::min(table.format().headerRowCount(), table.rows() - 1); }  // as Qt caps it

bool hasSpans(const QTextTable& table) {
    for (int r = 0; r < table.rows(); ++r)
        for (int c = 0; c < table.columns(); ++c)
            if (const QTextTableCell cell = table.cellAt(r, c); cell.rowSpan() > 1 || cell.columnSpan() > 1) return true;
    return false;
}

void setBreakBefore(const QTextBlock& block) {
    QTextBlockFormat format;
    format.setPageBreakPolicy(QTextFormat::PageBreak_AlwaysBefore);
    QTextCursor(block).mergeBlockFormat(format);
}

void setBreakBefore(QTextTable& table) {
    QTextTableFormat format = table.format();
    format.setPageBreakPolicy(format.pageBreakPolicy() | QTextFormat::PageBreak_AlwaysBefore);
    table.setFormat(format);
}

// Copies a cell's formats and contents into an empty cell of another table.
void copyCell(const QTextTableCell& from, QTextTableCell to) {
    to.setFormat(from.format());
    QTextCursor selection = from.firstCursorPosition();
    selection.setPosition(from.lastCursorPosition().position(), QTextCursor::KeepAnchor);
    QTextCursor into = to.firstCursorPosition();
    into.setBlockFormat(from.firstCursorPosition().blockFormat());  // a fragment carries the later blocks' formats only
    into.insertFragment(selection.selection());
}

// Moves the body rows above `row` into a new table inserted right above `table`, with copies of its header
// rows, so that `table` (its header rows, then `row` and what follows) can start the next page. The rows
// above are moved, not the rows below, so that a long table parted on many pages copies each row once.
void splitAbove(QTextTable& table, int row) {
    const int headers = headerRows(table), columns = table.columns();
    QTextCursor above(table.document());
    above.beginEditBlock();  // one layout for the whole change, not one per cell copied
    above.setPosition(table.firstPosition() - 1);  // before the table's own start
    QTextTable* head = above.insertTable(row, columns, table.format());
    for (int r = 0; r < row; ++r)
        for (int c = 0; c < columns; ++c) copyCell(table.cellAt(r, c), head->cellAt(r, c));
    table.removeRows(headers, row - headers);
    setBreakBefore(table);
    above.endEditBlock();
}

}  // namespace

PdfPages::PdfPages(QTextDocument& text, QPagedPaintDevice& device) : text_(text), device_(device) {
    // Laid out at the device's own resolution (fonts and the pictures' sizes are scaled to it, as
    // QTextDocument::print() does), on the device's paint rectangle: its page margins are the only ones.
    text_.documentLayout()->setPaintDevice(&device_);
    QTextFrameFormat root = text_.rootFrame()->frameFormat();
    root.setMargin(0);
    text_.rootFrame()->setFrameFormat(root);
    footerHeight_ = 1.8 * QFontMetricsF(text_.defaultFont(), &device_).height();
    pageHeight_ = device_.height() - footerHeight_;
    text_.setPageSize(QSizeF(device_.width(), pageHeight_));
    keepTogether();
}

int PdfPages::pageCount() const { return text_.pageCount(); }

// Positions are read in document coordinates, the pages stacked without gaps. The layout must be complete
// (keepTogether): QTextDocument lays out lazily, and a block placed by a partial layout can still move to
// the next page when the rest is laid out. A block's bounding rectangle starts where the block was placed,
// which can be above its first line when that line was pushed to the next page, so lines are read one by one.
int PdfPages::pageOf(const QTextBlock& block) const { return int(std::floor(lineTop(block, 0) / pageHeight_)); }

int PdfPages::lastPageOf(const QTextBlock& block) const {
    const int last = block.layout()->lineCount() - 1;
    if (last < 0) return pageOf(block);
    return int(std::floor((lineTop(block, last) + block.layout()->lineAt(last).height() - 0.5) / pageHeight_));
}

double PdfPages::lineTop(const QTextBlock& block, int line) const {
    const double placed = text_.documentLayout()->blockBoundingRect(block).top();
    return line >= 0 && line < block.layout()->lineCount() ? placed + block.layout()->lineAt(line).y() : placed;
}

int PdfPages::lastPageKeptWith(const QTextBlock& block) const {
    int last = pageOf(block);
    if (isPicture(block)) {
        // QTextDocument lets a picture run past the bottom of a page; the clipped part would be lost.
        last = std::max(last, lastPageOf(block));
        if (block.next().isValid()) last = std::max(last, pageOf(block.next()));  // its caption
    } else if (const QTextBlock kept = keptWith(block); kept.isValid()) {
        last = std::max(last, pageOf(kept));
    }
    return last;
}

bool PdfPages::rowParted(const QTextTable& table, int row) const {
    int first = std::numeric_limits<int>::max(), last = -1;
    for (int c = 0; c < table.columns(); ++c) {
        const QTextTableCell cell = table.cellAt(row, c);
        first = std::min(first, pageOf(cell.firstCursorPosition().block()));
        last = std::max(last, lastPageOf(cell.lastCursorPosition().block()));
    }
    return last > first;
}

double PdfPages::rowHeight(const QTextTable& table, int row) const {
    double tallest = 0;
    for (int c = 0; c < table.columns(); ++c) {
        const QTextTableCell cell = table.cellAt(row, c);
        double height = 0;
        for (QTextBlock b = cell.firstCursorPosition().block();; b = b.next()) {
            for (int i = 0; i < b.layout()->lineCount(); ++i) height += b.layout()->lineAt(i).height();
            if (b == cell.lastCursorPosition().block() || !b.next().isValid()) break;
        }
        tallest = std::max(tallest, height);
    }
    return tallest;
}

bool PdfPages::breakAbove(const QTextBlock& block, QTextTable* table) {
    const QTextBlock start = table ? table->cellAt(0, 0).firstCursorPosition().block() : block;
    const int page = pageOf(start);
    QTextBlock first = table ? QTextBlock() : block;  // the topmost paragraph to carry over, if any
    QTextBlock above = start.previous();
    // Empty paragraphs (the one QTextDocument keeps before a table at the start, say) are passed over: they
    // are not what the page would start with.
    for (; above.isValid() && pageOf(above) == page; above = above.previous()) {
        if (above.blockFormat().headingLevel() > 0) first = above;
        else if (above.length() > 1 || QTextCursor(above).currentTable()) break;
    }
    // Already first on its page: a break would only add a blank page (what follows is too tall).
    if (!above.isValid() || lastPageOf(above) < page) return false;
    if (first.isValid()) {
        if (startsWithBreak(first)) return false;
        setBreakBefore(first);
    } else {
        setBreakBefore(*table);
    }
    return true;
}

bool PdfPages::keepHeadingOrPicture(const QTextBlock& block) {
    if (startsWithBreak(block) || lastPageKeptWith(block) <= pageOf(block)) return false;
    return breakAbove(block);
}

bool PdfPages::keepParagraph(const QTextBlock& block) {
    const QTextLayout* lines = block.layout();
    const int count = lines->lineCount();
    const int first = pageOf(block);
    if (count < 2 || lastPageOf(block) != first + 1) return false;  // whole, or taller than a page
    int before = 0;  // lines on the first page
    double height = 0;
    for (int i = 0; i < count; ++i) {
        if (int(std::floor(lineTop(block, i) / pageHeight_)) == first) ++before;
        height += lines->lineAt(i).height();
    }
    const int after = count - before;
    const bool isShort = height <= pageHeight_ / 4;
    if (!isShort && before >= 2 && after >= 2) return false;  // a long paragraph parted fairly
    if (!isShort && before >= 3 && after == 1) {
        // One line alone at the top of the next page: the line above it goes with it, as a paragraph of its own.
        QTextCursor at(block);
        at.setPosition(block.position() + lines->lineAt(count - 2).textStart());
        if (text_.characterAt(at.position() - 1) == QChar::LineSeparator) at.deletePreviousChar();  // a <br>: the new paragraph breaks instead
        at.insertBlock();
        setBreakBefore(at.block());
        return true;
    }
    if (height > 0.9 * pageHeight_) return false;
    return breakAbove(block);
}

std::vector<int> PdfPages::plannedCuts(const QTextTable& table) const {
    const int headers = headerRows(table), rows = table.rows();
    if (rows - headers < 2 || hasSpans(table)) return {};
    // Each row's content: its first line's top and its last line's bottom, and its height without page jumps.
    std::vector<double> top(rows, std::numeric_limits<double>::max()), bottom(rows, 0), height(rows);
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < table.columns(); ++c) {
            const QTextTableCell cell = table.cellAt(r, c);
            top[r] = std::min(top[r], lineTop(cell.firstCursorPosition().block(), 0));
            const QTextBlock last = cell.lastCursorPosition().block();
            const int lastLine = last.layout()->lineCount() - 1;
            bottom[r] = std::max(bottom[r], lineTop(last, lastLine) + (lastLine >= 0 ? last.layout()->lineAt(lastLine).height() : 0));
        }
        height[r] = rowHeight(table, r);
    }
    auto pageAt = [&](double y) { return int(std::floor(y / pageHeight_)); };
    if (pageAt(top[0]) == pageAt(bottom[rows - 1] - 0.5)) return {};  // on one page
    // Between one row's content and the next's (padding, borders, spacing): the smallest seen on a page
    // (a row Qt moved to the next page leaves a larger one).
    double gap = std::numeric_limits<double>::max();
    for (int r = 0; r + 1 < rows; ++r)
        if (pageAt(top[r]) == pageAt(top[r + 1]) && top[r + 1] >= bottom[r]) gap = std::min(gap, top[r + 1] - bottom[r]);
    if (gap == std::numeric_limits<double>::max()) return {};
    const double headerSpan = headers > 0 ? bottom[headers - 1] - top[0] + gap : 0;  // the header rows, repeated
    std::vector<int> cuts;
    double y = top[headers];  // where the next row's content starts
    int pieceStart = headers;
    for (int r = headers; r < rows; ++r) {
        const double pageEnd = (pageAt(y) + 1) * pageHeight_ - gap;  // a gap's margin for what the plan cannot see
        if (y + height[r] > pageEnd && r > pieceStart && height[r] + headerSpan + 3 * gap < pageHeight_) {
            cuts.push_back(r);
            pieceStart = r;
            y = (pageAt(y) + 1) * pageHeight_ + gap + headerSpan;  // the table's border and padding, then its header
        }
        y += height[r] + gap;
    }
    return cuts;
}

bool PdfPages::cutAtPageEnds(QTextTable& table) {
    const std::vector<int> cuts = plannedCuts(table);
    if (cuts.empty()) return false;
    // Front to back in one edit: each cut moves the rows above it into a table of its own, so the next cut's
    // row is counted from the header rows again.
    QTextCursor edit(table.document());
    edit.beginEditBlock();
    int moved = 0;
    for (const int row : cuts) {
        splitAbove(table, row - moved);
        moved += row - moved - headerRows(table);
    }
    edit.endEditBlock();
    return true;
}

bool PdfPages::keepRow(QTextTable& table, int row) {
    const int headers = headerRows(table);
    if (row < headers || !rowParted(table, row)) return false;
    double height = rowHeight(table, row);
    for (int h = 0; h < headers; ++h) height += rowHeight(table, h);
    if (height > 0.9 * pageHeight_ || hasSpans(table)) return false;  // it breaks where it must
    if (row == headers) return breakAbove(QTextBlock(), &table);
    splitAbove(table, row);
    return true;
}

void PdfPages::keepTogether() {
    // Front to back, since a break moves everything after it. The whole document is laid out first and
    // again after each change (documentSize() finishes the layout), so every position read is final.
    QAbstractTextDocumentLayout* layout = text_.documentLayout();
    layout->documentSize();
    for (QTextBlock block = text_.begin(); block.isValid(); block = block.next()) {
        // After a change the loop goes on from the same document position: a cut moves rows, with their
        // blocks, into another table, and a moved block's handle is no longer valid. Going on from there
        // looks at a few rows again, which is harmless.
        const int position = block.position();
        bool changed = false;
        const QTextCursor at(block);
        if (QTextTable* table = at.currentTable()) {
            // A row is looked at from its first cell's first block; nested tables break as Qt lays them out.
            const QTextTableCell cell = table->cellAt(at);
            if (table->parentFrame() == text_.rootFrame() && cell.column() == 0 && cell.firstCursorPosition().block() == block) {
                if (cell.row() == 0) {
                    // A table whose first row would be parted starts the next page; then a long one is cut at its
                    // page ends at once, planned from its rows' heights, before its rows are checked one by one
                    // (one layout per cut would take minutes for a case of thousands of images).
                    changed = keepRow(*table, headerRows(*table));
                    if (changed) layout->documentSize();
                    changed = cutAtPageEnds(*table) || changed;
                }
                if (!changed) changed = keepRow(*table, cell.row());
            }
        } else if (at.currentFrame() == text_.rootFrame()) {
            changed = block.blockFormat().headingLevel() > 0 || isPicture(block) ? keepHeadingOrPicture(block) : keepParagraph(block);
        }
        if (changed) {
            layout->documentSize();
            block = text_.findBlock(position);
        }
    }
}

void PdfPages::print(QPainter& painter, const QString& footer) const {
    QAbstractTextDocumentLayout* layout = text_.documentLayout();
    const double width = text_.pageSize().width();
    const int pages = pageCount();
    QFont footerFont = text_.defaultFont();
    footerFont.setPointSizeF(footerFont.pointSizeF() * 0.85);
    for (int page = 0; page < pages; ++page) {
        if (page > 0) device_.newPage();
        const QRectF area(0, page * pageHeight_, width, pageHeight_);
        painter.save();
        painter.translate(0, -area.top());
        painter.setClipRect(area);
        QAbstractTextDocumentLayout::PaintContext context;
        // A pixel inside the page on each side: a line that starts on the page's lower edge, or ends on its
        // upper edge, belongs to the neighbouring page. Qt draws every line that touches the clip, and text
        // drawn outside the painter's clip is invisible but still in the PDF, where search and copy find it.
        context.clip = area.adjusted(0, 1, 0, -1);
        context.palette.setColor(QPalette::Text, Qt::black);  // not the desktop theme's text colour
        layout->draw(&painter, context);
        painter.restore();

        painter.save();
        painter.setFont(footerFont);
        painter.setPen(QColor(0x66, 0x66, 0x66));
        const QString number = QString("page %1 of %2").arg(page + 1).arg(pages);
        painter.drawText(QRectF(0, pageHeight_, width, footerHeight_), Qt::AlignRight | Qt::AlignBottom,
                         footer.isEmpty() ? number : footer + "  \u00b7  " + number);
        painter.restore();
    }
}

}  // namespace synthscope::report
