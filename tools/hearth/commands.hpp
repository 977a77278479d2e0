// The hearth CLI's subcommands: each lives in its own cmd_<name>.cpp and gets argv after the
// subcommand name. They return the process exit status: 0 ok, 1 runtime error, 2 usage error.
#pragma once

#include <span>

namespace hearth::cli {

int cmd_run(std::span<char*> args);
int cmd_chat(std::span<char*> args);
int cmd_eval(std::span<char*> args);
int cmd_info(std::span<char*> args);
int cmd_synth(std::span<char*> args);
int cmd_bench(std::span<char*> args);
int cmd_quantize(std::span<char*> args);
int cmd_convert(std::span<char*> args);
int cmd_perplexity(std::span<char*> args);
int cmd_imatrix(std::span<char*> args);
int cmd_tokenize(std::span<char*> args);
int cmd_embed(std::span<char*> args);
int cmd_list(std::span<char*> args);
int cmd_serve(std::span<char*> args);

}  // namespace hearth::cli
