// --grammar, --json-schema and --json (output_format_args.hpp).
#include "output_format_args.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <memory>

namespace hearth::cli {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError(fmt::format("{}: cannot open", path));
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs build(); a grammar or schema it cannot use is the user's mistake in that option.
template <typename Build>
Grammar grammar_from(const std::string& option, const std::string& source, Build&& build) {
    try {
        return build();
    } catch (const Error& e) {
        if (e.code() != ErrorCode::invalid_argument) throw;
        throw UsageError(fmt::format("{} {}: {}", option, source, e.what()));
    }
}

}  // namespace

void add_output_format_options(CommandLine& cli, GenerateOptions& gen) {
    CLI::App& app = cli.app();
    const char* group = "Output format";
    struct Given {
        std::string grammar_file, schema;
    };
    auto given = std::make_shared<Given>();  // shared with the steps below, which outlive this call
    CLI::Option* grammar_option =
        app.add_option_function<std::string>(
               "--grammar", [given](const std::string& v) { given->grammar_file = v; },
               "only generate text of this GBNF grammar (llama.cpp's format)")
            ->type_name("FILE")
            ->group(group);
    CLI::Option* schema_option =
        app.add_option_function<std::string>(
               "--json-schema", [given](const std::string& v) { given->schema = v; },
               "only generate JSON valid for this JSON Schema (a file, or the schema itself)")
            ->type_name("FILE|JSON")
            ->group(group);
    CLI::Option* json_option = app.add_flag("--json")->description("only generate a JSON object")->group(group);
    cli.after_parse([&gen, given, grammar_option, schema_option, json_option] {
        if (grammar_option->count() + schema_option->count() + json_option->count() > 1)
            throw UsageError("give one of --grammar, --json-schema and --json");
        if (grammar_option->count()) {
            const std::string& file = given->grammar_file;
            gen.grammar = grammar_from("--grammar", file, [&] { return Grammar::from_gbnf(read_file(file)); });
        }
        if (schema_option->count()) {
            const std::string& s = given->schema;
            const size_t first = s.find_first_not_of(" \t\r\n");
            const bool inline_json = first != std::string::npos && s[first] == '{';
            const std::string text = inline_json ? s : read_file(s);
            gen.grammar = grammar_from("--json-schema", inline_json ? std::string("(inline)") : s,
                                       [&] { return Grammar::from_json_schema(text); });
        }
        if (json_option->count()) gen.grammar = Grammar::json_object();
    });
}

}  // namespace hearth::cli
