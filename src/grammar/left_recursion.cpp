// Left recursion makes the matcher's expansion of a rule loop forever (A ::= A "x" expands A to
// A to A ...), so it is refused when the grammar is built. A rule is left-recursive when it can
// reach itself through the first elements of its alternatives, where "first" looks past rules
// that can match the empty string.
#include <fmt/format.h>

#include "grammar/rules.hpp"
#include "hearth/error.hpp"

namespace hearth::grammar {
namespace {

using Rules = Grammar::Rules;

std::vector<bool> nullable_rules(const Rules& r) {
    std::vector<bool> nullable(r.alternatives.size(), false);
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t id = 0; id < r.alternatives.size(); ++id) {
            if (nullable[id]) continue;
            for (uint32_t start : r.alternatives[id]) {
                uint32_t p = start;
                while (r.elements[p].kind == Element::Kind::rule && nullable[r.elements[p].index]) ++p;
                if (r.elements[p].kind == Element::Kind::end) {
                    nullable[id] = changed = true;
                    break;
                }
            }
        }
    }
    return nullable;
}

// The rules each rule can start with (before consuming any character).
std::vector<std::vector<uint32_t>> leftmost_rules(const Rules& r, const std::vector<bool>& nullable) {
    std::vector<std::vector<uint32_t>> edges(r.alternatives.size());
    for (size_t id = 0; id < r.alternatives.size(); ++id)
        for (uint32_t p : r.alternatives[id]) {
            for (; r.elements[p].kind == Element::Kind::rule; ++p) {
                edges[id].push_back(r.elements[p].index);
                if (!nullable[r.elements[p].index]) break;
            }
        }
    return edges;
}

}  // namespace

void check_no_left_recursion(const Rules& r) {
    const auto edges = leftmost_rules(r, nullable_rules(r));
    // Depth-first search for a cycle; 0 = unvisited, 1 = on the current path, 2 = done.
    std::vector<uint8_t> mark(edges.size(), 0);
    std::vector<std::pair<uint32_t, size_t>> path;  // rule, next edge to follow
    for (uint32_t start = 0; start < edges.size(); ++start) {
        if (mark[start]) continue;
        path.push_back({start, 0});
        mark[start] = 1;
        while (!path.empty()) {
            auto& [rule, next] = path.back();
            if (next == edges[rule].size()) {
                mark[rule] = 2;
                path.pop_back();
                continue;
            }
            const uint32_t to = edges[rule][next++];
            if (mark[to] == 1)
                throw Error(ErrorCode::invalid_argument,
                            fmt::format("grammar rule '{}' is left-recursive (it can reach itself without matching a character)",
                                        r.names[to]));
            if (mark[to] == 0) {
                mark[to] = 1;
                path.push_back({to, 0});
            }
        }
    }
}

}  // namespace hearth::grammar
