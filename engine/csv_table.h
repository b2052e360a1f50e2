#pragma once
#include <string>
#include <utility>
#include <vector>

namespace synthscope {

// A small CSV file with a header row (labels, splits, region lists): commas separate, double quotes
// enclose (a doubled quote is a quote), blank lines are skipped.
struct CsvTable {
    std::vector<std::string> header;
    std::vector<std::pair<int, std::vector<std::string>>> rows;  // (line number, fields)
    int column(const std::string& name) const;                   // -1 when the header has no such column
};

// Throws EngineError(BadInput) naming the file and line: unreadable, empty, or a row whose field count
// differs from the header's.
CsvTable readCsv(const std::string& path);

}  // namespace synthscope
