// Finding GGUF files in the stores of hearth, LM Studio and the Hugging Face cache (plain folder
// walks), and the store locations from the environment. Ollama's manifests: ollama_store.cpp.
#include <algorithm>
#include <cstdlib>

#include "hearth/model_library.hpp"
#include "library/store_walk.hpp"

namespace hearth {

namespace fs = std::filesystem;

namespace {

fs::path env_path(const char* name) {
    const char* v = std::getenv(name);
    return v && *v ? fs::path(v) : fs::path();
}

bool is_gguf(const fs::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext == ".gguf";
}

// Name of a file below root: its relative path with '/' separators and without ".gguf".
std::string relative_name(const fs::path& file, const fs::path& root) {
    fs::path rel = file.lexically_relative(root);
    rel.replace_extension();
    return rel.generic_string();
}

}  // namespace

namespace library {

void walk_gguf_files(const fs::path& root, const std::function<void(const fs::path&, uint64_t)>& found) {
    std::error_code ec;
    if (root.empty() || !fs::is_directory(root, ec)) return;
    // Directory links are not followed (no cycles); file links are (the HF cache is made of them).
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        if (it.depth() > 8) {  // deeper than any store lays out models: not worth walking
            it.disable_recursion_pending();
            continue;
        }
        const fs::path& p = it->path();
        std::error_code fe;
        if (!is_gguf(p) || !fs::is_regular_file(p, fe)) continue;
        const uint64_t size = fs::file_size(p, fe);
        if (!fe) found(p, size);
    }
}

void add_folder_models(const fs::path& root, const std::string& source, std::vector<LocalModel>& out) {
    walk_gguf_files(root, [&](const fs::path& p, uint64_t size) { out.push_back({relative_name(p, root), p, source, size}); });
}

void add_huggingface_models(const fs::path& hub, std::vector<LocalModel>& out) {
    std::error_code ec;
    if (hub.empty() || !fs::is_directory(hub, ec)) return;
    for (const fs::directory_entry& repo : fs::directory_iterator(hub, fs::directory_options::skip_permission_denied, ec)) {
        const std::string dir = repo.path().filename().string();
        constexpr std::string_view kPrefix = "models--";
        if (dir.rfind(kPrefix, 0) != 0) continue;
        // models--org--repo -> org/repo (HF replaces '/' by "--" in cache folder names).
        std::string id = dir.substr(kPrefix.size());
        if (const size_t sep = id.find("--"); sep != std::string::npos) id.replace(sep, 2, "/");
        std::error_code se;
        for (const fs::directory_entry& snap : fs::directory_iterator(repo.path() / "snapshots", se)) {
            walk_gguf_files(snap.path(), [&](const fs::path& p, uint64_t size) {
                const std::string name = id + "/" + relative_name(p, snap.path());
                // The same file in several revisions: keep the newest snapshot's.
                auto same = std::find_if(out.begin(), out.end(), [&](const LocalModel& m) { return m.name == name && m.source == "huggingface"; });
                std::error_code te;
                if (same == out.end()) {
                    out.push_back({name, p, "huggingface", size});
                } else if (fs::last_write_time(snap.path(), te) > fs::last_write_time(same->path.parent_path(), te)) {
                    *same = {name, p, "huggingface", size};
                }
            });
        }
    }
}

}  // namespace library

ModelStores ModelStores::from_environment() {
    ModelStores s;
    const fs::path home = env_path("HOME");
    s.hearth = env_path("HEARTH_MODELS");
    if (s.hearth.empty() && !home.empty()) s.hearth = home / ".local/share/hearth/models";
    s.ollama = env_path("OLLAMA_MODELS");
    if (s.ollama.empty() && !home.empty()) s.ollama = home / ".ollama/models";
    if (!home.empty()) s.lmstudio = {home / ".lmstudio/models", home / ".cache/lm-studio/models"};
    s.huggingface = env_path("HF_HUB_CACHE");
    if (s.huggingface.empty() && !env_path("HF_HOME").empty()) s.huggingface = env_path("HF_HOME") / "hub";
    if (s.huggingface.empty() && !home.empty()) s.huggingface = home / ".cache/huggingface/hub";
    return s;
}

std::vector<LocalModel> list_local_models(const ModelStores& stores) {
    std::vector<LocalModel> out;
    library::add_folder_models(stores.hearth, "hearth", out);
    library::add_ollama_models(stores.ollama, out);
    // <publisher>/<repo>/<file>.gguf: the relative path is the name LM Studio shows.
    for (const fs::path& dir : stores.lmstudio) library::add_folder_models(dir, "lmstudio", out);
    library::add_huggingface_models(stores.huggingface, out);
    std::stable_sort(out.begin(), out.end(), [](const LocalModel& a, const LocalModel& b) { return a.name < b.name; });
    return out;
}

}  // namespace hearth
