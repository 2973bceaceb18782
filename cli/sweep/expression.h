// A small arithmetic expression over named values, for sweep constraints ("npu.matrix.rows * chip.tiles <= 128")
// and derived metrics ("npu.macs / sim.cycles"). Names are config key paths or stats counters (letters, digits,
// '_' and '.'); operators are + - * / % < <= > >= == != && || ! and parentheses. Comparisons give 1 or 0.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace npuemu::sweep {

class Expression {
public:
    // Throws npuemu::Error naming the column of the first thing it cannot parse.
    static Expression parse(const std::string& text);

    using Lookup = std::function<std::optional<double>(const std::string& name)>;
    // Throws npuemu::Error for a name the lookup does not know.
    double evaluate(const Lookup& lookup) const;
    const std::set<std::string>& names() const { return names_; }
    const std::string& text() const { return text_; }

    struct Node;

private:
    std::shared_ptr<const Node> root_;
    std::set<std::string> names_;
    std::string text_;
};

}  // namespace npuemu::sweep
