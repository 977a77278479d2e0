// Penalties, top-k / top-p / min-p filters and the final draw (see filters.hpp for the
// candidate-order invariant that keeps a seeded draw identical on every platform).
#include "sample/filters.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hearth::sample {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Canonical order: larger logit first, lower id on ties. A strict total order (no NaN reaches
// here), so partial_sort yields the same prefix whatever the standard library.
struct ByLogit {
    std::span<const float> logits;
    bool operator()(TokenId a, TokenId b) const noexcept {
        const float la = logits[static_cast<size_t>(a)], lb = logits[static_cast<size_t>(b)];
        return la > lb || (la == lb && a < b);
    }
};

float max_logit(const Candidates& c) noexcept {
    if (c.sorted > 0) return c.logits[static_cast<size_t>(c.ids[0])];
    float m = kNegInf;
    for (size_t i = 0; i < c.size; ++i) m = std::max(m, c.logits[static_cast<size_t>(c.ids[i])]);
    return m;
}

// weights[id] = exp((logit - max) / t) for every candidate (-inf weighs exactly zero); returns
// their sum, accumulated in list order, which is canonical (see the header).
double fill_weights(const Candidates& c, float max, float inv_t) noexcept {
    double total = 0.0;
    for (size_t i = 0; i < c.size; ++i) {
        const auto id = static_cast<size_t>(c.ids[i]);
        const float l = c.logits[id];
        const float w = l == kNegInf ? 0.0f : std::exp((l - max) * inv_t);
        c.weights[id] = w;
        total += w;
    }
    return total;
}

}  // namespace

void sanitize_logits(std::span<const float> in, std::span<float> out) noexcept {
    const float big = std::numeric_limits<float>::max();
    // Branch-free so the compiler vectorises it (v != v is the NaN test).
    for (size_t i = 0; i < in.size(); ++i) {
        const float v = in[i];
        out[i] = v != v ? kNegInf : std::min(v, big);
    }
}

void apply_penalties(std::span<float> logits, std::span<const TokenId> sorted_window, float repeat, float frequency,
                     float presence) noexcept {
    for (size_t i = 0; i < sorted_window.size();) {
        const TokenId id = sorted_window[i];
        size_t j = i;
        while (j < sorted_window.size() && sorted_window[j] == id) ++j;
        const auto count = static_cast<float>(j - i);
        float& l = logits[static_cast<size_t>(id)];
        l = l <= 0.0f ? l * repeat : l / repeat;
        l -= count * frequency + presence;
        i = j;
    }
}

TokenId argmax(std::span<const float> logits) noexcept {
    size_t best = 0;
    for (size_t i = 1; i < logits.size(); ++i)
        if (logits[i] > logits[best]) best = i;
    return static_cast<TokenId>(best);
}

void sort_prefix(Candidates& c, size_t m) noexcept {
    m = std::min(m, c.size);
    if (m <= c.sorted) return;
    // ids[0, sorted) already hold the top `sorted`; the rest of the top m comes from the tail.
    // nth_element is O(tail) on average, then only the m - sorted winners get sorted: cheaper than
    // a heap-based partial_sort over a 150k vocabulary when the prefix grows.
    const auto first = c.ids.begin() + static_cast<ptrdiff_t>(c.sorted);
    const auto mid = c.ids.begin() + static_cast<ptrdiff_t>(m);
    const ByLogit by_logit{c.logits};
    if (m < c.size) std::nth_element(first, mid, c.ids.begin() + static_cast<ptrdiff_t>(c.size), by_logit);
    std::sort(first, mid, by_logit);
    c.sorted = m;
}

void top_k(Candidates& c, size_t k) noexcept {
    if (k == 0 || k >= c.size) return;
    if (c.sorted > 0) {
        sort_prefix(c, k);
        c.size = k;
        return;
    }
    // One sequential pass with a heap of the k best seen so far (its front is the worst of
    // them): most tokens are rejected by a single comparison, ~5x fewer instructions than
    // nth_element over a 150k vocabulary. The heap lives in ids[0, k), which the scan has passed.
    const ByLogit better{c.logits};
    const auto heap = c.ids.begin(), heap_end = c.ids.begin() + static_cast<ptrdiff_t>(k);
    std::make_heap(heap, heap_end, better);
    float worst = c.logits[static_cast<size_t>(*heap)];  // cached: the front changes rarely
    for (size_t i = k; i < c.size; ++i) {
        const TokenId id = c.ids[i];
        if (c.logits[static_cast<size_t>(id)] < worst || !better(id, *heap)) continue;
        std::pop_heap(heap, heap_end, better);
        *(heap_end - 1) = id;
        std::push_heap(heap, heap_end, better);
        worst = c.logits[static_cast<size_t>(*heap)];
    }
    std::sort(heap, heap_end, better);
    c.size = c.sorted = k;
}

void top_p(Candidates& c, float p) noexcept {
    if (!(p < 1.0f) || c.size <= 1) return;
    const float max = max_logit(c);
    if (max == kNegInf) return;
    const double total = fill_weights(c, max, 1.0);
    // Sort a growing prefix until it holds mass p: with a peaked distribution only a few
    // dozen of a 150k vocabulary ever get sorted.
    double cum = 0.0;
    size_t done = 0;
    for (size_t m = std::min<size_t>(c.size, 64);; m = std::min(c.size, m * 4)) {
        sort_prefix(c, m);
        for (; done < m; ++done) {
            cum += c.weights[static_cast<size_t>(c.ids[done])];
            if (cum / total >= p) {
                c.size = done + 1;
                c.sorted = std::min(c.sorted, c.size);
                return;
            }
        }
        if (m == c.size) return;  // rounding left the mass just short of p: keep everything
    }
}

void min_p(Candidates& c, float p) noexcept {
    if (!(p > 0.0f) || c.size <= 1) return;
    const float max = max_logit(c);
    if (max == kNegInf) return;
    const float threshold = max + std::log(p);
    // Stable compaction: a sorted list stays a sorted prefix, an id-ordered one stays id-ordered.
    size_t kept = 0;
    for (size_t i = 0; i < c.size; ++i)
        if (c.logits[static_cast<size_t>(c.ids[i])] >= threshold) c.ids[kept++] = c.ids[i];
    if (kept == 0) return;  // p > 1 and nothing reaches it: keep the list rather than empty it
    if (c.sorted == c.size) c.sorted = kept;
    c.size = kept;
    c.sorted = std::min(c.sorted, c.size);
}

TokenId draw(const Candidates& c, float temperature, double u) noexcept {
    const float max = max_logit(c);
    if (c.size == 1 || max == kNegInf) return c.ids[0];
    const double target = u * fill_weights(c, max, 1.0f / temperature);
    double cum = 0.0;
    TokenId last = c.ids[0];
    for (size_t i = 0; i < c.size; ++i) {
        const double w = c.weights[static_cast<size_t>(c.ids[i])];
        if (w == 0.0) continue;
        cum += w;
        last = c.ids[i];
        if (cum > target) return last;
    }
    return last;  // u * total rounded up to the full sum
}

}  // namespace hearth::sample
