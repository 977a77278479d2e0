// The quantization error report (see quantize_report.hpp).
#include "quantize_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace hearth::cli {
namespace {

constexpr size_t kCostliestShown = 10;  // with the header and totals, one screen

}  // namespace

void QuantizeErrorReport::add(const quant::TensorReport& r) {
    if (r.to != r.from) entries_.push_back({std::string(r.name), r.to, r.n_elements, r.rel_rms_error});
}

std::string QuantizeErrorReport::error_column(const quant::TensorReport& r) {
    return r.to == r.from ? std::string() : fmt::format("  error {:6.3f} %", 100.0 * r.rel_rms_error);
}

void QuantizeErrorReport::print_summary(std::FILE* out) const {
    if (entries_.empty()) {
        std::fputs("quantization error: no tensor was re-encoded\n", out);
        return;
    }
    uint64_t total = 0;
    for (const Entry& e : entries_) total += e.n_elements;
    // A tensor's cost is its relative error times its share of the re-encoded weights: the costs
    // add up to the size-weighted mean relative error, so each says how much of that mean the
    // tensor accounts for. A big tensor with a moderate error outranks a tiny one with a large
    // error, as it moves more of the model's computation.
    auto share = [&](const Entry& e) { return double(e.n_elements) / double(total); };
    auto cost = [&](const Entry& e) { return std::isfinite(e.rel_error) ? e.rel_error * share(e) : HUGE_VAL; };
    std::vector<const Entry*> ranked;
    double mean = 0, worst = 0;
    const Entry* worst_entry = nullptr;
    for (const Entry& e : entries_) {
        ranked.push_back(&e);
        if (std::isfinite(e.rel_error)) mean += cost(e);
        if (!worst_entry || !(e.rel_error <= worst)) worst = e.rel_error, worst_entry = &e;
    }
    std::stable_sort(ranked.begin(), ranked.end(), [&](const Entry* a, const Entry* b) { return cost(*a) > cost(*b); });

    std::string s = fmt::format(
        "quantization error (RMS error / RMS of the tensor) of {} re-encoded tensors:\n"
        "  mean weighted by size {:.3f} %, worst {} {:.3f} %\n"
        "  costliest (cost = error x share of the re-encoded weights; the costs add up to the mean):\n"
        "  {:<36} {:<6} {:>9} {:>8} {:>9}\n",
        entries_.size(), 100.0 * mean, worst_entry->name, 100.0 * worst, "tensor", "type", "error", "share", "cost");
    for (size_t i = 0; i < std::min(kCostliestShown, ranked.size()); ++i) {
        const Entry& e = *ranked[i];
        s += fmt::format("  {:<36} {:<6} {:>7.3f} % {:>6.2f} % {:>7.4f} %\n", e.name, ggml_type_name(e.to), 100.0 * e.rel_error,
                         100.0 * share(e), 100.0 * cost(e));
    }
    if (ranked.size() > kCostliestShown)
        s += fmt::format("  ... and {} more (each in the per-tensor listing, unless -q)\n", ranked.size() - kCostliestShown);
    std::fputs(s.c_str(), out);
}

}  // namespace hearth::cli
