// `hearth list`: the GGUF models already on this machine (hearth's folder, Ollama, LM Studio, the
// Hugging Face cache) with what their headers say. Reads only; copies and downloads nothing.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli_app.hpp"
#include "commands.hpp"
#include "hearth/memory.hpp"
#include "hearth/model_library.hpp"
#include "model_summary.hpp"

namespace hearth::cli {
namespace {

constexpr const char* kDescription =
    "The GGUF models on this machine, by the name -m MODEL accepts (an unambiguous prefix works too):\n"
    "  hearth       $HEARTH_MODELS, else ~/.local/share/hearth/models (any *.gguf below it)\n"
    "  ollama       $OLLAMA_MODELS, else ~/.ollama/models (names as `ollama list` shows them)\n"
    "  lmstudio     ~/.lmstudio/models, ~/.cache/lm-studio/models\n"
    "  huggingface  $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub\n"
    "Nothing is copied or changed in those folders.";

struct Row {
    const LocalModel* model;
    Summary summary;
    std::string problem;  // why the header could not be read (the file is listed anyway)
};

}  // namespace

int cmd_list(std::span<char*> argv) {
    CommandLine cli("list", kDescription);
    bool json = false;
    cli.app().add_flag("--json", json, "one JSON array for machines");
    if (!cli.parse(argv)) return 0;

    const std::vector<LocalModel> models = list_local_models(ModelStores::from_environment());
    std::vector<Row> rows;
    for (const LocalModel& m : models) {
        Row r{&m, {}, {}};
        try {
            r.summary = summarize(gguf::File::open(m.path));
        } catch (const Error& e) {
            r.problem = e.what();
        }
        rows.push_back(std::move(r));
    }

    if (json) {
        nlohmann::json out = nlohmann::json::array();
        for (const Row& r : rows) {
            nlohmann::json m = {{"name", r.model->name},           {"path", r.model->path.string()},
                                {"source", r.model->source},       {"size", r.model->size_bytes},
                                {"architecture", r.summary.architecture}, {"parameters", r.summary.parameters},
                                {"file_type", r.summary.file_type}};
            if (!r.problem.empty()) m["error"] = r.problem;
            out.push_back(std::move(m));
        }
        std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        return 0;
    }
    if (rows.empty()) {
        std::fprintf(stderr, "no GGUF models found (see `hearth list --help` for where hearth looks)\n");
        return 0;
    }
    size_t width = 4;
    for (const Row& r : rows) width = std::max(width, r.model->name.size());
    std::printf("%-*s  %-10s %10s  %-24s %10s  %s\n", static_cast<int>(width), "NAME", "ARCH", "PARAMS", "TYPE", "SIZE", "SOURCE");
    for (const Row& r : rows) {
        const std::string params = r.problem.empty() ? human_count(r.summary.parameters) : "?";
        const std::string type = r.problem.empty() ? r.summary.file_type : "unreadable";
        std::printf("%-*s  %-10s %10s  %-24s %10s  %s\n", static_cast<int>(width), r.model->name.c_str(),
                    r.summary.architecture.c_str(), params.c_str(), type.c_str(), format_bytes(r.model->size_bytes).c_str(),
                    r.model->source.c_str());
    }
    return 0;
}

}  // namespace hearth::cli
