#pragma once
#include <QString>

class QPagedPaintDevice;
class QPainter;
class QTextBlock;
class QTextDocument;

namespace synthscope::report {

// Lays a QTextDocument out on the pages of a PDF writer (or any paged device) and prints it, with a
// "page N of M" footer. QTextDocument::print() has no "keep with next": a heading could end one page with
// its section on the next, and a figure could leave its caption behind. So each heading, and each picture
// followed by its caption, that would be parted from the block after it starts a new page instead.
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

    QTextDocument& text_;
    QPagedPaintDevice& device_;
    double pageHeight_ = 0;    // of the text, in device pixels
    double footerHeight_ = 0;  // below it
};

}  // namespace synthscope::report
