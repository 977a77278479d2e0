// memory_report(Model / Session) and its text form, format_bytes.
#include <iterator>
#include <string>

#include <fmt/format.h>

#include "hearth/memory.hpp"
#include "memory/model_storage.hpp"
#include "model/model_impl.hpp"
#include "session/session_impl.hpp"

namespace hearth {

std::string format_bytes(uint64_t bytes) {
    static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024) return fmt::format("{} B", bytes);
    double v = static_cast<double>(bytes) / 1024.0;
    size_t unit = 0;
    while (v >= 1024.0 && unit + 1 < std::size(kUnits)) {
        v /= 1024.0;
        ++unit;
    }
    return fmt::format("{:.1f} {}", v, kUnits[unit]);
}

MemoryReport memory_report(const Model& model) { return model.memory_report(); }
MemoryReport memory_report(const Session& session) { return session.memory_report(); }

MemoryReport Model::memory_report() const {
    const Model::Impl& m = *impl_;
    MemoryReport r;
    r.file_bytes = m.file.file_size();
    r.weights_bytes = m.file.file_size() - m.file.data_offset();
    r.weights_resident = std::min<uint64_t>(resident_bytes(m.file, m.storage), r.weights_bytes);
    r.weights_storage = m.storage.placement;
    r.weights_storage_reason = m.storage.reason;
    r.weights_locked = m.storage.locked;
    r.weights_read_per_token = model::bytes_read_per_token(m.file, m.config);
    r.weights_decode_tiles = m.decode_tile_bytes;
    r.repacked_bytes = m.pool->worker_scratch_bytes();  // per-thread GEMM panels and rows, not whole-matrix copies
    return r;
}

MemoryReport Session::memory_report() const {
    MemoryReport r = model().memory_report();
    const Session::Impl& s = *impl_;
    r.kv_cache_bytes = s.cache.bytes();
    r.activation_bytes = s.act.bytes();
    r.n_ctx = s.n_ctx;
    r.kv_type = s.cache.type();
    for (size_t il = 0; il < s.m->config.n_layer; ++il) r.kv_window_layers += s.cache.windowed(il);
    r.kv_window_rows = r.kv_window_layers ? s.cache.window().rows : 0;
    return r;
}

std::string format_memory_report(const MemoryReport& r) {
    std::string out;
    auto line = [&](const char* what, uint64_t bytes, const std::string& note) {
        fmt::format_to(std::back_inserter(out), "  {:<12} {:>12}{}{}\n", what, format_bytes(bytes), note.empty() ? "" : "  ", note);
    };
    line("weights", r.weights_bytes,
         std::string(r.weights_storage == WeightStorage::copied ? "copied (RSS)" : "mapped (page cache)") + ", " +
             format_bytes(r.weights_resident) + " resident" + (r.weights_locked ? ", locked" : ""));
    if (!r.weights_storage_reason.empty()) out += "  " + std::string(12, ' ') + " why: " + r.weights_storage_reason + "\n";
    if (r.weights_read_per_token != 0 && r.weights_read_per_token < r.weights_bytes)
        line("read/token", r.weights_read_per_token, "of the weights, read for each decoded token");
    if (r.weights_decode_tiles != 0)
        line("decode tiles", r.weights_decode_tiles, "of the weights: Q4_0 rearranged in place for decoding (no extra memory)");
    line("repacked", r.repacked_bytes, "per-thread prompt-GEMM panels and rows (slices of rows; no whole-matrix copies)");
    if (r.n_ctx) {
        std::string kv = fmt::format("{} tokens, {}", r.n_ctx, to_string(r.kv_type));
        if (r.kv_window_layers)
            kv += fmt::format("; {} sliding-window layers keep {} (window - 1 + batch)", r.kv_window_layers, r.kv_window_rows);

        line("KV cache", r.kv_cache_bytes, kv);
        line("activations", r.activation_bytes, "");
    }
    line("total", r.total(), "");
    return out;
}

}  // namespace hearth
