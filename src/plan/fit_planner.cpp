// plan_fit: will a GGUF file at a context length fit in RAM? Computed from the header and tensor
// table alone, with plan_session (what Session itself uses) for the KV cache and activations.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "hearth/memory.hpp"
#include "memory/model_storage.hpp"
#include "plan/session_plan.hpp"
#include "model/arch.hpp"
#include "model/model_config.hpp"

namespace hearth {

namespace {

// What the process needs besides the planned buffers: code, libc and the C++ runtime, thread
// stacks, and the tokenizer's tables (vocabulary strings, lookup maps, merges), which grow with
// the vocabulary. Measured as peak RSS minus file, KV and arena while generating: 4.7 MiB with a
// 512-token vocabulary (stories260K), 18.9 MiB with Llama 3's 128256 tokens (Llama-3.2-1B shape).
constexpr uint64_t kBaseOverhead = uint64_t{5} << 20;
constexpr uint64_t kOverheadPerToken = 116;

// Smallest context the advice suggests: below this a chat is hardly possible.
constexpr size_t kMinSuggestedCtx = 256;

struct Planner {
    const ModelConfig& config;
    const model::ModelWeights& weights;
    FitPlan base;  // weights, overhead and available filled in

    FitPlan at(const SessionOptions& options) const {
        const SessionPlan s = plan_session(config, weights, options);
        FitPlan p = base;
        p.n_ctx = s.n_ctx;
        p.n_batch = s.n_batch;
        p.kv_type = s.kv_type;
        p.kv_cache_bytes = s.kv_bytes;
        p.activation_bytes = s.activation_bytes;
        return p;
    }
};

// Weight bits per parameter, to tell whether a smaller quantization of the same model exists.
double bits_per_weight(const gguf::File& file) {
    uint64_t params = 0, bytes = 0;
    for (const gguf::TensorInfo& t : file.tensors()) {
        params += t.n_elements;
        bytes += t.n_bytes;
    }
    return params ? 8.0 * static_cast<double>(bytes) / static_cast<double>(params) : 0.0;
}

std::string advise(const Planner& planner, const FitPlan& p, const SessionOptions& options, double bpw) {
    if (p.fits()) return "fits; " + format_bytes(p.available_bytes - p.needed()) + " free after load";
    std::string advice = "needs " + format_bytes(p.needed()) + ", " + format_bytes(p.available_bytes) + " available: ";
    std::string tries;
    auto add = [&](const std::string& s) { tries += (tries.empty() ? "try " : ", or ") + s; };
    // A smaller context at the same KV type: the largest power of two that fits.
    for (size_t ctx = size_t{1} << 24; ctx >= kMinSuggestedCtx; ctx /= 2) {
        if (ctx >= p.n_ctx) continue;
        SessionOptions o = options;
        o.n_ctx = ctx;
        if (planner.at(o).fits()) {
            add(fmt::format("-c {}", ctx));

            break;
        }
    }
    if (p.kv_type == KvType::f16) {
        SessionOptions o = options;
        o.n_ctx = p.n_ctx;
        o.kv_type = KvType::q8_0;
        try {
            if (planner.at(o).fits()) add("--kv-type q8_0");
        } catch (const Error&) {  // the model's head size has no Q8_0 cache
        }
    }
    // Q4_K_M stores about 4.9 bits per weight: from a wider file it saves memory.
    if (bpw > 5.5) add("a Q4_K_M file of this model");
    if (tries.empty()) tries = "try a smaller model (the weights alone need " + format_bytes(p.weights_bytes + p.overhead_bytes) + ")";
    return advice + tries;
}

}  // namespace

std::optional<uint64_t> mem_available_bytes() noexcept {
    if (const char* env = std::getenv("HEARTH_MEM_AVAILABLE"); env && *env) {
        char* end = nullptr;
        const unsigned long long v = std::strtoull(env, &end, 10);
        if (end && *end == '\0') return v;
    }
    try {
        std::ifstream in("/proc/meminfo");
        std::string line;
        while (std::getline(in, line)) {
            if (line.rfind("MemAvailable:", 0) != 0) continue;
            std::istringstream fields(line.substr(13));
            uint64_t kib = 0;
            if (fields >> kib) return kib * 1024;
        }
    } catch (...) {  // an unreadable /proc is "unknown", not an error
    }
    return std::nullopt;
}

FitPlan plan_fit(const std::filesystem::path& path, const SessionOptions& options, std::optional<uint64_t> available) {
    // Opening maps the file but reads only the header pages: no weight is touched.
    const gguf::File file = gguf::File::open(path);
    const ModelConfig config = model::read_model_config(file);
    const model::ArchSpec* arch = model::find_arch(config.arch);
    if (!arch) throw Error(ErrorCode::unsupported, file.name() + ": architecture '" + config.arch + "' is not supported");
    const model::ModelWeights weights = model::bind_weights(file, config, *arch);

    Planner planner{config, weights, {}};
    planner.base.weights_bytes = file.file_size();  // mapped (or read) whole: metadata pages are used too
    planner.base.overhead_bytes = kBaseOverhead + kOverheadPerToken * config.n_vocab;
    planner.base.available_bytes = available ? *available : mem_available_bytes().value_or(UINT64_MAX);
    FitPlan plan = planner.at(options);
    plan.weights_read_per_token = model::bytes_read_per_token(file, config);
    // The file is counted once either way: mapped, its pages are RSS of the page cache; copied,
    // the copy is RSS and the page cache pages left behind are reclaimable (MemAvailable).
    const auto mapped = placement_by_memory(plan.weights_bytes, planner.base.available_bytes == UINT64_MAX
                                                                    ? std::nullopt
                                                                    : std::optional<uint64_t>(planner.base.available_bytes),
                                            anonymous_huge_pages_enabled());
    const auto by_layout = mapped ? std::nullopt : placement_by_layout(file);
    plan.weights_storage = mapped ? WeightStorage::mapped : WeightStorage::copied;
    plan.weights_storage_reason =
        mapped      ? mapped->reason
        : by_layout ? by_layout->reason
                    : "automatic: copied into 2 MiB pages (the weights take at most half of MemAvailable), or mapped if "
                      "the page cache already maps the file with 2 MiB pages";
    plan.advice = advise(planner, plan, options, bits_per_weight(file));
    return plan;
}

}  // namespace hearth
