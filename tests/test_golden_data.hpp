// Reading the llama.cpp reference files in ../shared/reference/<stem>/ and the agreement metrics
// the golden tests assert (top-1, NRMSE, KL).
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace hearth::test {

// The integer array under key in one JSON line (empty when the key is absent).
inline std::vector<int32_t> json_int_array(const std::string& line, const std::string& key) {
    const nlohmann::json j = nlohmann::json::parse(line);
    const auto it = j.find(key);
    return it == j.end() ? std::vector<int32_t>{} : it->get<std::vector<int32_t>>();
}

inline std::vector<std::string> read_lines(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) lines.push_back(l);
    return lines;
}

inline std::vector<float> read_f32(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    in.seekg(0, std::ios::end);
    std::vector<float> v(static_cast<size_t>(in.tellg()) / sizeof(float));
    in.seekg(0);
    in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
    return v;
}

struct Agreement {
    size_t rows = 0, top1_same = 0;
    double max_nrmse = 0;  // max over rows of rms(hearth - ref) / std(ref)
    double mean_kl = 0;    // mean over rows of KL(softmax(ref) || softmax(hearth))
};

inline std::vector<double> log_softmax(const float* x, size_t n) {
    double max = x[0];
    for (size_t i = 1; i < n; ++i) max = std::max(max, double(x[i]));
    double sum = 0;
    for (size_t i = 0; i < n; ++i) sum += std::exp(double(x[i]) - max);
    std::vector<double> out(n);
    for (size_t i = 0; i < n; ++i) out[i] = double(x[i]) - max - std::log(sum);
    return out;
}

inline Agreement compare_logits(const std::vector<float>& ours, const std::vector<float>& ref, size_t n_vocab) {
    Agreement a;
    a.rows = ref.size() / n_vocab;
    for (size_t r = 0; r < a.rows; ++r) {
        const float* h = ours.data() + r * n_vocab;
        const float* f = ref.data() + r * n_vocab;
        size_t ah = 0, af = 0;
        double mean = 0, err = 0, var = 0;
        for (size_t i = 0; i < n_vocab; ++i) {
            if (h[i] > h[ah]) ah = i;
            if (f[i] > f[af]) af = i;
            mean += f[i];
            err += (double(h[i]) - f[i]) * (double(h[i]) - f[i]);
        }
        mean /= double(n_vocab);
        for (size_t i = 0; i < n_vocab; ++i) var += (f[i] - mean) * (f[i] - mean);
        a.top1_same += ah == af;
        a.max_nrmse = std::max(a.max_nrmse, std::sqrt(err / double(n_vocab)) / std::sqrt(var / double(n_vocab)));
        const std::vector<double> lh = log_softmax(h, n_vocab), lf = log_softmax(f, n_vocab);
        double kl = 0;
        for (size_t i = 0; i < n_vocab; ++i) kl += std::exp(lf[i]) * (lf[i] - lh[i]);
        a.mean_kl += kl / double(a.rows);
    }
    return a;
}

}  // namespace hearth::test
