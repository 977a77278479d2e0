// Ollama's model store, read-only: each manifest (manifests/<host>/<namespace>/<model>/<tag>,
// a small JSON document) names its layers by digest; the layer of media type
// "application/vnd.ollama.image.model" is the GGUF file, stored as blobs/sha256-<hex>.
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "library/store_walk.hpp"

namespace hearth::library {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kMaxManifestBytes = 1 << 20;  // real manifests are < 2 KiB

// "sha256:<64 hex>" -> blobs/sha256-<hex>; empty for anything else (no path tricks).
fs::path blob_path(const fs::path& root, const std::string& digest) {
    constexpr std::string_view kAlgo = "sha256:";
    if (digest.size() != kAlgo.size() + 64 || digest.compare(0, kAlgo.size(), kAlgo) != 0) return {};
    for (size_t i = kAlgo.size(); i < digest.size(); ++i)
        if (!std::isxdigit(static_cast<unsigned char>(digest[i]))) return {};
    return root / "blobs" / ("sha256-" + digest.substr(kAlgo.size()));
}

// The GGUF blob a manifest names, or empty when it has none or does not parse.
fs::path model_blob(const fs::path& root, const fs::path& manifest) {
    std::error_code ec;
    if (fs::file_size(manifest, ec) > kMaxManifestBytes || ec) return {};
    std::ifstream in(manifest, std::ios::binary);
    const nlohmann::json doc = nlohmann::json::parse(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), nullptr,
                                                     /*allow_exceptions=*/false);
    if (!doc.is_object() || !doc.contains("layers") || !doc["layers"].is_array()) return {};
    for (const nlohmann::json& layer : doc["layers"]) {
        if (!layer.is_object() || layer.value("mediaType", "") != "application/vnd.ollama.image.model") continue;
        const auto digest = layer.find("digest");
        if (digest != layer.end() && digest->is_string()) return blob_path(root, digest->get<std::string>());
    }
    return {};
}

// host/namespace/model/tag -> the name `ollama list` shows.
std::string ollama_name(const fs::path& rel) {
    std::vector<std::string> parts;
    for (const fs::path& p : rel) parts.push_back(p.string());
    if (parts.size() != 4) return {};
    const std::string model_tag = parts[2] + ":" + parts[3];
    if (parts[0] == "registry.ollama.ai") return parts[1] == "library" ? model_tag : parts[1] + "/" + model_tag;
    return parts[0] + "/" + parts[1] + "/" + model_tag;
}

}  // namespace

void add_ollama_models(const fs::path& root, std::vector<LocalModel>& out) {
    const fs::path manifests = root / "manifests";
    std::error_code ec;
    if (root.empty() || !fs::is_directory(manifests, ec)) return;
    fs::recursive_directory_iterator it(manifests, fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        if (it.depth() > 3) {
            it.disable_recursion_pending();
            continue;
        }
        std::error_code fe;
        if (it.depth() != 3 || !it->is_regular_file(fe)) continue;
        const std::string name = ollama_name(it->path().lexically_relative(manifests));
        const fs::path blob = model_blob(root, it->path());
        if (name.empty() || blob.empty() || !fs::is_regular_file(blob, fe)) continue;
        out.push_back({name, blob, "ollama", fs::file_size(blob, fe)});
    }
}

}  // namespace hearth::library
