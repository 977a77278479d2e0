// A synthetic SentencePiece vocabulary of any size: control tokens, 256 byte-fallback tokens,
// printable characters, then letter strings with and without the word-start mark "▁".
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace hearth::gguf {
class Writer;
}

namespace hearth::synth {

// Adds tokenizer.ggml.* (model "llama", tokens, scores, token_type, bos/eos/unk ids) for n_vocab tokens.
void add_synthetic_vocab(gguf::Writer& w, size_t n_vocab);

// Adds a WordPiece vocabulary as BERT GGUFs store it (tokenizer.ggml.model "bert": word-start
// pieces with a leading "▁", continuation pieces bare, [PAD] [UNK] [CLS] [SEP] [MASK] first):
// punctuation, digits and letters, a few whole words and suffixes, then letter pairs up to n_vocab.
void add_wordpiece_vocab(gguf::Writer& w, size_t n_vocab);

}  // namespace hearth::synth
