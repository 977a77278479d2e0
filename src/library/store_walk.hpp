// Internal pieces of the model library: one function per kind of store, each appending the
// models it finds (see hearth/model_library.hpp for the layouts and names).
#pragma once

#include <filesystem>
#include <functional>
#include <vector>

#include "hearth/model_library.hpp"

namespace hearth::library {

// Calls found(path, size) for every regular *.gguf file below root (file links followed,
// directory links not, unreadable folders skipped).
void walk_gguf_files(const std::filesystem::path& root, const std::function<void(const std::filesystem::path&, uint64_t)>& found);

void add_folder_models(const std::filesystem::path& root, const std::string& source, std::vector<LocalModel>& out);
void add_huggingface_models(const std::filesystem::path& hub, std::vector<LocalModel>& out);
void add_ollama_models(const std::filesystem::path& root, std::vector<LocalModel>& out);

}  // namespace hearth::library
