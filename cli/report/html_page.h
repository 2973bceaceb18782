// A report page: sections of charts (report/chart.h) and sortable tables, rendered into one self-contained HTML file
// (Vega inlined, no network) whose script builds the page from the page's data. The C++ side writes data only;
// the same inputs give byte-identical HTML.
#pragma once

#include <string>
#include <vector>

#include "cli/report/chart.h"

namespace npuemu::report {

struct Figure {
    Chart chart;
    std::string caption;             // what the chart shows and where its figures come from
    std::vector<std::string> notes;  // e.g. which points sit at an edge and why
};

// Cells: a string, a number, null, or {"text": ..., "href": ..., "sort": number, "class": "failed"}.
struct Table {
    std::vector<std::string> columns;
    Spec rows = Spec::array();
};

struct Section {
    std::string heading;
    std::vector<std::string> paragraphs;
    std::vector<Figure> figures;
    std::vector<Table> tables;
};

struct Page {
    std::string title;
    std::vector<std::string> paragraphs;
    std::vector<Section> sections;
};

// The HTML page. Throws npuemu::Error when a chart cannot be drawn or Vega is not installed (report/vega_library.h).
std::string render_html(const Page& page);

}  // namespace npuemu::report
