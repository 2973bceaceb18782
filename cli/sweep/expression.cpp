#include "cli/sweep/expression.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "model/common/error.h"

namespace npuemu::sweep {

struct Expression::Node {
    enum class Kind { Number, Name, Unary, Binary } kind = Kind::Number;
    double number = 0;
    std::string name;  // for Name; the operator for Unary and Binary
    std::shared_ptr<const Node> left, right;
    size_t depth = 1;  // of the tree below and including this node
};

namespace {

using NodePtr = std::shared_ptr<const Expression::Node>;

// Parsing, evaluating and freeing a tree recurse once per level: bound the levels (far above what a constraint or
// metric needs) so a hostile spec gets an error, not a stack overflow.
constexpr size_t kMaxExpressionDepth = 256;

class Parser {
public:
    Parser(const std::string& text, std::set<std::string>& names) : text_(text), names_(names) {}

    NodePtr parse() {
        NodePtr node = binary(0);
        skip_space();
        if (pos_ < text_.size()) fail("unexpected '" + text_.substr(pos_, 1) + "'");
        return node;
    }

private:
    // Lowest precedence first.
    static const std::vector<std::vector<std::string>>& levels() {
        static const std::vector<std::vector<std::string>> table = {
            {"||"}, {"&&"}, {"==", "!="}, {"<=", ">=", "<", ">"}, {"+", "-"}, {"*", "/", "%"}};
        return table;
    }

    [[noreturn]] void fail(const std::string& message) const {
        throw Error("expression '" + text_ + "', column " + std::to_string(pos_ + 1) + ": " + message);
    }

    void skip_space() {
        while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    }

    bool accept(const std::string& op) {
        skip_space();
        if (text_.compare(pos_, op.size(), op) != 0) return false;
        // "<" must not take the first half of "<="; "!" must not take "!=".
        if (op.size() == 1 && pos_ + 1 < text_.size() && text_[pos_ + 1] == '=' && std::string("<>!=").find(op) != std::string::npos) {
            return false;
        }
        pos_ += op.size();
        return true;
    }

    // A node over left (and right), refused when the tree gets too deep.
    NodePtr make_node(Expression::Node::Kind kind, const std::string& op, NodePtr left, NodePtr right) {
        auto node = std::make_shared<Expression::Node>();
        node->kind = kind;
        node->name = op;
        node->depth = 1 + std::max(left->depth, right ? right->depth : 0);
        node->left = std::move(left);
        node->right = std::move(right);
        if (node->depth > kMaxExpressionDepth) too_deep();
        return node;
    }

    [[noreturn]] void too_deep() const {
        fail("nested more than " + std::to_string(kMaxExpressionDepth) +
             " levels deep (parentheses, unary operators and chained operations count); split it up");
    }

    NodePtr binary(size_t level) {
        if (level == levels().size()) return unary();
        NodePtr left = binary(level + 1);
        for (;;) {
            bool matched = false;
            for (const auto& op : levels()[level]) {
                if (accept(op)) {
                    NodePtr right = binary(level + 1);
                    left = make_node(Expression::Node::Kind::Binary, op, std::move(left), std::move(right));
                    matched = true;
                    break;
                }
            }
            if (!matched) return left;
        }
    }

    NodePtr unary() {
        for (const char* op : {"-", "!"}) {
            if (accept(op)) {
                if (++nesting_ > kMaxExpressionDepth) too_deep();
                NodePtr operand = unary();
                --nesting_;
                return make_node(Expression::Node::Kind::Unary, op, std::move(operand), nullptr);
            }
        }
        return primary();
    }

    NodePtr primary() {
        skip_space();
        if (pos_ >= text_.size()) fail("expected a number, a name or '(' at the end");
        const char c = text_[pos_];
        if (c == '(') {
            ++pos_;
            if (++nesting_ > kMaxExpressionDepth) too_deep();
            NodePtr inner = binary(0);
            --nesting_;
            if (!accept(")")) fail("expected ')'");
            return inner;
        }
        auto node = std::make_shared<Expression::Node>();
        if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
            char* end = nullptr;
            node->number = std::strtod(text_.c_str() + pos_, &end);
            pos_ = static_cast<size_t>(end - text_.c_str());
            return node;
        }
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            const size_t start = pos_;
            while (pos_ < text_.size() &&
                   (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_' || text_[pos_] == '.')) {
                ++pos_;
            }
            node->kind = Expression::Node::Kind::Name;
            node->name = text_.substr(start, pos_ - start);
            names_.insert(node->name);
            return node;
        }
        fail("unexpected '" + std::string(1, c) + "'");
    }

    const std::string& text_;
    std::set<std::string>& names_;
    size_t pos_ = 0;
    size_t nesting_ = 0;  // open parentheses and unary operators around pos_
};

double eval(const Expression::Node& node, const Expression::Lookup& lookup, const std::string& text) {
    using Kind = Expression::Node::Kind;
    switch (node.kind) {
        case Kind::Number: return node.number;
        case Kind::Name: {
            const auto value = lookup(node.name);
            if (!value) throw Error("expression '" + text + "': no value named '" + node.name + "'");
            return *value;
        }
        case Kind::Unary: {
            const double x = eval(*node.left, lookup, text);
            return node.name == "-" ? -x : (x == 0 ? 1.0 : 0.0);
        }
        case Kind::Binary: break;
    }
    const double a = eval(*node.left, lookup, text);
    const std::string& op = node.name;
    if (op == "&&") return (a != 0 && eval(*node.right, lookup, text) != 0) ? 1.0 : 0.0;
    if (op == "||") return (a != 0 || eval(*node.right, lookup, text) != 0) ? 1.0 : 0.0;
    const double b = eval(*node.right, lookup, text);
    if (op == "+") return a + b;
    if (op == "-") return a - b;
    if (op == "*") return a * b;
    if ((op == "/" || op == "%") && b == 0) {
        throw Error("expression '" + text + "': division by zero ('" + op + "' by a value that is 0)");
    }
    if (op == "/") return a / b;
    if (op == "%") return std::fmod(a, b);
    if (op == "<") return a < b;
    if (op == "<=") return a <= b;
    if (op == ">") return a > b;
    if (op == ">=") return a >= b;
    if (op == "==") return a == b;
    return a != b;
}

}  // namespace

Expression Expression::parse(const std::string& text) {
    Expression expression;
    expression.text_ = text;
    Parser parser(expression.text_, expression.names_);
    expression.root_ = parser.parse();
    return expression;
}

double Expression::evaluate(const Lookup& lookup) const { return eval(*root_, lookup, text_); }

}  // namespace npuemu::sweep
