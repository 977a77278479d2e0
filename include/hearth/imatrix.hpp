// Importance matrices: per-column activation statistics of every weight matrix, collected by
// running a model over a text (`hearth imatrix`) and used by the quantizer to spend its error
// where the inputs are large (`hearth quantize --imatrix`). The statistic and the file are
// llama.cpp's: for each matrix, the sum over all input rows of each input column's square
// (`<weight>.in_sum2`, one row per expert) and the number of rows (`<weight>.counts`), in a GGUF
// with general.type = "imatrix"; llama.cpp's older binary .dat files can be read too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hearth/hearth.hpp"

namespace hearth {

// The statistics of one weight tensor: n_mat matrices (experts of a 3-D tensor, else 1) of
// n_cols input columns each.
struct ImatrixEntry {
    size_t n_cols = 0;
    size_t n_mat = 1;
    std::vector<float> in_sum2;  // [n_mat][n_cols]: Σ over input rows of x[col]²
    std::vector<float> counts;   // [n_mat]: input rows seen

    // Mean squared input of each column of matrix m: what the quantizer weighs errors by.
    // A matrix that saw no rows gets all ones (no preference), as llama-quantize does.
    std::vector<float> importance(size_t m) const;
};

struct Imatrix {
    std::vector<std::string> datasets;  // the texts it was computed from
    uint32_t chunk_count = 0;           // chunks evaluated
    uint32_t chunk_size = 0;            // tokens per chunk
    std::map<std::string, ImatrixEntry, std::less<>> entries;  // by weight tensor name

    const ImatrixEntry* find(std::string_view weight_name) const noexcept;

    // Writes llama.cpp's GGUF imatrix format (via a temporary file). Throws Error(io).
    void save(const std::filesystem::path& path) const;
    // Reads a GGUF imatrix, or a legacy llama.cpp .dat file (recognised by the missing GGUF
    // magic). Throws Error(invalid_file) naming the file and the entry that is inconsistent.
    static Imatrix load(const std::filesystem::path& path);
};

// Runs a Session over chunks of tokens and accumulates, for every matrix multiplication of the
// forward pass, the statistics of its input rows (per expert for mixture-of-experts tensors).
// Sums are kept in double and in token order, so the result does not depend on the thread
// count. The session is reset before each chunk. While add_chunk runs, the passes of every
// session of the same model are counted: collect with a model nothing else is using.
class ImatrixCollector {
public:
    explicit ImatrixCollector(Session& session);
    ImatrixCollector(ImatrixCollector&&) noexcept;
    ImatrixCollector& operator=(ImatrixCollector&&) noexcept;
    ~ImatrixCollector();

    // Evaluates one chunk from position 0 and adds its statistics; returns the logits of every
    // token ([n][n_vocab], valid until the next call), e.g. for a perplexity. Throws what
    // Session::eval throws.
    std::span<const float> add_chunk(std::span<const TokenId> chunk);

    // The statistics so far; datasets is left empty for the caller to fill.
    Imatrix result() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hearth
