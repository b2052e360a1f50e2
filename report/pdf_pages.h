#pragma once
#include <QString>

#include <vector>

class QPagedPaintDevice;
class QPainter;
class QTextBlock;
class QTextDocument;
class QTextTable;

namespace synthscope::report {

// Lays a QTextDocument out on the pages of a PDF writer (or any paged device) and prints it, with a
// "page N of M" footer. QTextDocument::print() breaks wherever a page ends: a heading could end one page
// with its section on the next, a figure could leave its caption behind or run past the bottom of a page,
// a table row could print its first column's text on one page and the rest on the next, and a paragraph
// could leave one line alone. So, before printing, the layout is read front to back and each of these
// starts the next page instead:
// - a heading or a picture parted from what follows it (its text, its table's first row, its caption), or
//   cut by the page's end, together with the headings right above it;
// - a table row parted by the page's end: the rows above it move into a table of their own and the rest of
//   the table, with its header rows, starts the next page (a table whose first row would be parted starts
//   the next page whole);
// - a paragraph that would be parted with fewer than two lines on either side, or that is short (a quarter
//   of a page or less); a long one with a single line over has its last two lines carried over.
// What is taller than a page is left to break where it must.
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
    void keepTogether();
    // Each returns true when it changed the document (the layout must then be finished again).
    bool keepHeadingOrPicture(const QTextBlock& block);
    bool keepParagraph(const QTextBlock& block);
    bool keepRow(QTextTable& table, int row);
    bool cutAtPageEnds(QTextTable& table);
    std::vector<int> plannedCuts(const QTextTable& table) const;  // the rows that should start a page

    int lastPageOf(const QTextBlock& block) const;        // the page of the block's last line
    double lineTop(const QTextBlock& block, int line) const;  // in document coordinates
    int lastPageKeptWith(const QTextBlock& block) const;  // the last page of what must print with the block
    bool rowParted(const QTextTable& table, int row) const;
    double rowHeight(const QTextTable& table, int row) const;  // its lines' heights, without page jumps
    // A page break above `block` (a paragraph of the root frame) or, without one, above `table`, moved up
    // over the headings right above them on the same page; false when that is already first on its page.
    bool breakAbove(const QTextBlock& block, QTextTable* table = nullptr);

    QTextDocument& text_;
    QPagedPaintDevice& device_;
    double pageHeight_ = 0;    // of the text, in device pixels
    double footerHeight_ = 0;  // below it
};

}  // namespace synthscope::report
