#include "report/pdf_pages.h"

#include <QAbstractTextDocumentLayout>
#include <QFontMetricsF>
#include <QPagedPaintDevice>
#include <QPainter>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextFrame>
#include <QTextTable>

#include <cmath>

namespace synthscope::report {
namespace {

// A paragraph that holds one picture and nothing else (the report's figures: <p><img></p>).
bool isPicture(const QTextBlock& block) {
    if (block.text() != QString(QChar::ObjectReplacementCharacter)) return false;
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
    keepWithNext();
}

int PdfPages::pageCount() const { return text_.pageCount(); }

int PdfPages::pageOf(const QTextBlock& block) const {
    // The bounding rectangle starts at the first line, which the layout moves to the next page when it
    // does not fit; positions are document coordinates, the pages stacked without gaps.
    return int(std::floor(text_.documentLayout()->blockBoundingRect(block).top() / pageHeight_));
}

void PdfPages::keepWithNext() {
    // Front to back, since a break moves everything after it; each break re-lays out what follows.
    for (QTextBlock block = text_.begin(); block.isValid(); block = block.next()) {
        if (block.blockFormat().headingLevel() == 0 && !isPicture(block)) continue;
        const QTextBlock kept = keptWith(block);
        if (!kept.isValid()) break;
        if (startsWithBreak(block) || pageOf(kept) <= pageOf(block)) continue;
        // Already first on its page: a break would only add a blank page (the next block is too tall).
        if (block.previous().isValid() && pageOf(block.previous()) < pageOf(block)) continue;
        QTextBlockFormat format;
        format.setPageBreakPolicy(QTextFormat::PageBreak_AlwaysBefore);
        QTextCursor(block).mergeBlockFormat(format);
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
        context.clip = area;
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
