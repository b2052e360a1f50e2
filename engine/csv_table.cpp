#include "engine/csv_table.h"

#include <algorithm>
#include <fstream>

#include "engine/errors.h"

namespace synthscope {
namespace {

// One CSV record's fields: commas separate, double quotes enclose (a doubled quote is a quote).
std::vector<std::string> splitCsvLine(const std::string& line) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                fields.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                fields.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.emplace_back();
        } else if (c != '\r') {
            fields.back() += c;
        }
    }
    return fields;
}

}  // namespace

int CsvTable::column(const std::string& name) const {
    const auto it = std::find(header.begin(), header.end(), name);
    return it == header.end() ? -1 : int(it - header.begin());
}

CsvTable readCsv(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw badInput(path + " cannot be opened");
    CsvTable t;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty() || line == "\r") continue;
        std::vector<std::string> fields = splitCsvLine(line);
        if (t.header.empty()) {
            t.header = std::move(fields);
            continue;
        }
        if (fields.size() != t.header.size())
            throw badInput(path + ", line " + std::to_string(number) + ": " + std::to_string(fields.size()) +
                           " fields where the header has " + std::to_string(t.header.size()));
        t.rows.emplace_back(number, std::move(fields));
    }
    if (t.header.empty()) throw badInput(path + " is empty; a header row is expected");
    return t;
}

}  // namespace synthscope
