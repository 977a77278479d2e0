// -m MODEL: a path, a model name from the local stores, or an unambiguous prefix of one.
#include <algorithm>
#include <cctype>

#include "hearth/error.hpp"
#include "hearth/model_library.hpp"

namespace hearth {

namespace fs = std::filesystem;

namespace {

std::string candidates_text(const std::vector<const LocalModel*>& models) {
    std::string out;
    for (const LocalModel* m : models) out += "\n  " + m->name + "  (" + m->source + ": " + m->path.string() + ")";
    return out;
}

std::vector<const LocalModel*> matching(const std::vector<LocalModel>& all, const auto& pred) {
    std::vector<const LocalModel*> out;
    for (const LocalModel& m : all)
        if (pred(m.name)) out.push_back(&m);
    return out;
}

bool looks_like_path(const std::string& arg) {
    const bool gguf_suffix = arg.size() >= 5 && std::equal(arg.end() - 5, arg.end(), ".gguf", [](char a, char b) {
                                 return std::tolower(static_cast<unsigned char>(a)) == b;
                             });
    return gguf_suffix || arg.starts_with('/') || arg.starts_with("./") || arg.starts_with("../") || arg.starts_with('~');
}

}  // namespace

fs::path resolve_model(std::string_view name_or_path, const ModelStores& stores) {
    return resolve_local_model(name_or_path, stores).path;
}

LocalModel resolve_local_model(std::string_view name_or_path, const ModelStores& stores) {
    const std::string arg(name_or_path);
    std::error_code ec;
    if (arg.empty()) throw Error(ErrorCode::invalid_argument, "no model given");
    // An existing file, or something only a path looks like (File::open then says what is wrong
    // with it, e.g. "cannot open: No such file or directory").
    if (fs::exists(arg, ec) || looks_like_path(arg)) {
        const uintmax_t size = fs::file_size(arg, ec);
        return {fs::path(arg).stem().string(), arg, "file", ec ? 0 : uint64_t(size)};
    }

    const std::vector<LocalModel> all = list_local_models(stores);
    // Exact name, then Ollama's implicit ":latest", then a prefix.
    auto found = matching(all, [&](const std::string& n) { return n == arg; });
    if (found.empty()) found = matching(all, [&](const std::string& n) { return n == arg + ":latest"; });
    if (found.empty()) found = matching(all, [&](const std::string& n) { return n.starts_with(arg); });
    if (found.size() == 1) return *found.front();
    if (found.size() > 1)
        throw Error(ErrorCode::invalid_argument,
                    "model name '" + arg + "' is ambiguous; it matches:" + candidates_text(found) + "\n(give more of the name or a path)");
    std::string where;
    for (const fs::path& p : {stores.hearth, stores.ollama, stores.huggingface})
        if (!p.empty()) where += " " + p.string();
    for (const fs::path& p : stores.lmstudio) where += " " + p.string();
    throw Error(ErrorCode::invalid_argument, "'" + arg + "' is neither a file nor the name of a model on this machine (looked in:" + where +
                                                 "; `hearth list` shows the models found)");
}

}  // namespace hearth
