// The GGUF models already on this machine, found by name: hearth's own folder, Ollama's store,
// LM Studio's folders and the Hugging Face cache. Read-only: nothing is copied, downloaded or
// changed in those stores; hearth only reads their directory trees and Ollama's manifests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace hearth {

// Where each store lives. from_environment() applies the same variables and defaults as the
// tools that own them; an empty path means "no such store".
struct ModelStores {
    std::filesystem::path hearth;                 // $HEARTH_MODELS, else ~/.local/share/hearth/models
    std::filesystem::path ollama;                 // $OLLAMA_MODELS, else ~/.ollama/models
    std::vector<std::filesystem::path> lmstudio;  // ~/.lmstudio/models, ~/.cache/lm-studio/models
    std::filesystem::path huggingface;            // $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub

    static ModelStores from_environment();
};

struct LocalModel {
    std::string name;              // how -m and `hearth show` accept it, e.g. "llama3.2:1b"
    std::filesystem::path path;    // the GGUF file (an Ollama blob, a snapshot link, ...)
    std::string source;            // "hearth", "ollama", "lmstudio" or "huggingface"
    uint64_t size_bytes = 0;
};

// Every GGUF model in the stores, sorted by name. Unreadable folders and malformed Ollama
// manifests are skipped (a broken store must not hide the others).
//   hearth:      <dir>/**/*.gguf                                   name: relative path without ".gguf"
//   ollama:      manifests/<host>/<namespace>/<model>/<tag> -> blobs/sha256-<hex>
//                name: "model:tag" for registry.ollama.ai/library, else "host/namespace/model:tag"
//                ("namespace/model:tag" for registry.ollama.ai), as `ollama list` shows them
//   lmstudio:    <dir>/<publisher>/<repo>/**/*.gguf                name: "publisher/repo/file stem"
//   huggingface: models--<org>--<repo>/snapshots/<rev>/**/*.gguf   name: "org/repo/file stem"
std::vector<LocalModel> list_local_models(const ModelStores& stores);

// What -m MODEL means: an existing file, or an argument that only a path looks like (ending in
// ".gguf", starting with '/', './', '../' or '~'), is itself; otherwise a model name, or a prefix of
// exactly one name ("llama3.2" matches "llama3.2:latest" or a single "llama3.2:<tag>").
// Throws Error(invalid_argument) for an ambiguous prefix (listing the candidates) or when
// nothing matches (saying where hearth looked).
std::filesystem::path resolve_model(std::string_view name_or_path, const ModelStores& stores);
// The same, with the name the model goes by: the store's full name when it was found by name
// ("llama3.2" -> "llama3.2:latest"), else the file name without ".gguf"; source "file" for a path.
LocalModel resolve_local_model(std::string_view name_or_path, const ModelStores& stores);

}  // namespace hearth
