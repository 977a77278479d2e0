// Structured output on the command line: --grammar FILE (GBNF), --json-schema FILE|JSON and
// --json (any JSON object), for the commands that generate (run, chat).
#pragma once

#include "cli_app.hpp"
#include "hearth/hearth.hpp"

namespace hearth::cli {

// At most one of the three; after parsing, gen.grammar holds the grammar. A grammar or schema
// that does not parse is a usage error naming the file and the place.
void add_output_format_options(CommandLine& cli, GenerateOptions& gen);

}  // namespace hearth::cli
