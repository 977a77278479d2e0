// llama-cli habits on hearth's command line: its multi-letter single-dash names (-ngl, -fa, -cnv)
// and the flags that mean nothing for a CPU engine, accepted with a note so scripts keep working.
#pragma once

#include <span>
#include <string>
#include <vector>

namespace hearth::cli {

class CommandLine;

// The arguments with llama-cli's single-dash names rewritten to hearth's long ones (-ngl 99 ->
// --n-gpu-layers 99, -np 4 -> --parallel 4), and "-fa on" / "--color auto" joined into one word
// (--flash-attn=on). Why a pre-pass: CLI11 reads "-ngl" as "-n gl" and has no flag whose value
// is optional *and* only taken when it is one of on|off|auto (so `-fa MODEL` keeps MODEL
// positional). Nothing after "--" is touched.
std::vector<std::string> rewrite_llama_cli_names(std::span<char*> args);

// --n-gpu-layers (-ngl), --no-warmup, --flash-attn (-fa), --color: a note on stderr each;
// -i / -cnv / -if: a UsageError pointing to `hearth chat`.
void add_llama_cli_flags(CommandLine& cli);

}  // namespace hearth::cli
