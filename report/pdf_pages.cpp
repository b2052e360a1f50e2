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
    // Document coordinates, the pages stacked without gaps. The layout must be complete (keepWithNext):
    // QTextDocument lays out lazily, and a picture placed by a partial layout can still move to the next
    // page when the rest is laid out.
    return int(std::floor(text_.documentLayout()->blockBoundingRect(block).top() / pageHeight_));
}

int PdfPages::lastPageKeptWith(const QTextBlock& block) const {
    int last = pageOf(block);
    if (isPicture(block)) {
        // QTextDocument lets a picture run past the bottom of a page; the clipped part would be lost.
        last = std::max(last, int(std::floor((text_.documentLayout()->blockBoundingRect(block).bottom() - 0.5) / pageHeight_)));
        if (block.next().isValid()) last = std::max(last, pageOf(block.next()));  // its caption
    } else if (const QTextBlock kept = keptWith(block); kept.isValid()) {
        last = std::max(last, pageOf(kept));
    }
    return last;
}

void PdfPages::keepWithNext() {
    // Front to back, since a break moves everything after it. The whole document is laid out first and
    // again after each break (documentSize() finishes the layout), so every position read is final.
    QAbstractTextDocumentLayout* layout = text_.documentLayout();
    layout->documentSize();
    for (QTextBlock block = text_.begin(); block.isValid(); block = block.next()) {
        if (block.blockFormat().headingLevel() == 0 && !isPicture(block)) continue;
        if (startsWithBreak(block) || lastPageKeptWith(block) <= pageOf(block)) continue;
        // The break goes above the headings right over this block too (a heading over a picture).
        QTextBlock first = block;
        while (first.previous().isValid() && first.previous().blockFormat().headingLevel() > 0 && pageOf(first.previous()) == pageOf(first))
            first = first.previous();
        // Already first on its page: a break would only add a blank page (what follows is too tall).
        if (!first.previous().isValid() || pageOf(first.previous()) < pageOf(first)) continue;
        QTextBlockFormat format;
        format.setPageBreakPolicy(QTextFormat::PageBreak_AlwaysBefore);
        QTextCursor(first).mergeBlockFormat(format);
        layout->documentSize();
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
