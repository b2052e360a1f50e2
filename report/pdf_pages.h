#pragma once
#include <QString>

class QPagedPaintDevice;
class QPainter;
class QTextBlock;
class QTextDocument;

namespace synthscope::report {

// Lays a QTextDocument out on the pages of a PDF writer (or any paged device) and prints it, with a
// "page N of M" footer. QTextDocument::print() has no "keep with next": a heading could end one page with
// its section on the next, a figure could leave its caption behind, and a picture could run past the
// bottom of a page. So a heading or a picture that would be parted from what follows it (its text, its
// table's first row, its caption), or cut by the page's end, starts the next page instead, together with
// the headings right above it.
class PdfPages {
public:
    // Lays `text` out for `device`'s paint rectangle, at its resolution, less a footer line.
    PdfPages(QTextDocument& text, QPagedPaintDevice& device);

    int pageCount() const;
    // The page (0-based) on which the block's first line is printed.
    int pageOf(const QTextBlock& block) const;
    // Paints every page on `painter` (begun on the device given above), starting new pages itself.
    void print(QPainter& painter, const QString& footer) const;

private:
    void keepWithNext();
    int lastPageKeptWith(const QTextBlock& block) const;  // the last page of what must print with the block

    QTextDocument& text_;
    QPagedPaintDevice& device_;
    double pageHeight_ = 0;    // of the text, in device pixels
    double footerHeight_ = 0;  // below it
};

}  // namespace synthscope::report
