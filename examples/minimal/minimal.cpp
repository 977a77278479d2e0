// The smallest hearth program: load a GGUF model and stream a greedy continuation of a prompt.
// usage: hearth-example-minimal MODEL.gguf "Once upon a time"
#include <cstdio>

#include "hearth/hearth.hpp"

int main(int argc, char** argv) {
    if (argc < 3) return std::fprintf(stderr, "usage: %s MODEL.gguf PROMPT\n", argv[0]), 2;
    try {
        const hearth::Model model = hearth::Model::load(argv[1]);
        hearth::Session session(model);
        hearth::GenerateOptions options;
        options.sampling.temperature = 0;  // greedy
        options.max_tokens = 64;
        session.generate(argv[2], options, [](std::string_view piece, hearth::TokenId) {
            return std::fwrite(piece.data(), 1, piece.size(), stdout), std::fflush(stdout), true;
        });
        std::puts("");
    } catch (const hearth::Error& e) {
        return std::fprintf(stderr, "error: %s\n", e.what()), 1;
    }
}
