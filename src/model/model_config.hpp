// Reading and validating a model's hyper-parameters from GGUF metadata.
#pragma once

#include <cmath>
#include <string>

#include <fmt/format.h>

#include "hearth/gguf.hpp"
#include "hearth/model_config.hpp"
#include "model/arch.hpp"

namespace hearth::model {

// Far above any real model; keeps products like n_ctx * n_layer * kv_dim far from overflow.
constexpr uint64_t kMaxDim = 1u << 20;
constexpr uint64_t kMaxLayers = 4096;

// Reads "<arch>.<suffix>" keys with range checks; every failure names the key. Shared with the
// architectures' own read_config hooks.
class ConfigReader {
public:
    ConfigReader(const gguf::File& file, std::string_view arch) : file_(file), prefix_(std::string(arch) + ".") {}

    [[noreturn]] void fail(const std::string& key, const std::string& what) const {
        throw Error(ErrorCode::invalid_file, file_.name() + ": metadata '" + key + "' " + what);
    }

    size_t required(std::string_view suffix, uint64_t max) const {
        const std::string key = prefix_ + std::string(suffix);
        if (!file_.find(key)) fail(key, "is missing (needed to build the " + prefix_.substr(0, prefix_.size() - 1) + " graph)");
        return checked(key, file_.get_uint(key), max);
    }

    size_t optional(std::string_view suffix, size_t fallback, uint64_t max) const {
        const std::string key = prefix_ + std::string(suffix);
        if (!file_.find(key)) return fallback;
        return checked(key, file_.get_uint(key), max);
    }

    // Like optional, where 0 is a meaningful value ("none").
    size_t optional_or_zero(std::string_view suffix, uint64_t max) const {
        const std::string key = prefix_ + std::string(suffix);
        if (!file_.find(key) || file_.get_uint(key) == 0) return 0;
        return checked(key, file_.get_uint(key), max);
    }

    float real(std::string_view suffix, float fallback, bool required) const {
        const std::string key = prefix_ + std::string(suffix);
        if (!file_.find(key)) {
            if (required) fail(key, "is missing");
            return fallback;
        }
        const double v = file_.get_float(key);
        // {:f}: six decimals, as the message printed before (std::to_string).
        if (!std::isfinite(v) || v <= 0.0) fail(key, fmt::format("must be a positive finite number, got {:f}", v));
        return static_cast<float>(v);
    }

    std::string key(std::string_view suffix) const { return prefix_ + std::string(suffix); }
    const gguf::File& file() const noexcept { return file_; }

private:
    size_t checked(const std::string& key, uint64_t v, uint64_t max) const {
        if (v == 0 || v > max) fail(key, fmt::format("= {} is out of range [1, {}]", v, max));

        return static_cast<size_t>(v);
    }

    const gguf::File& file_;
    std::string prefix_;
};

// Throws Error(unsupported) naming an unknown architecture or rope scaling, and
// Error(invalid_file) naming the key for a missing, out-of-range or inconsistent value.
ModelConfig read_model_config(const gguf::File& file);

}  // namespace hearth::model
