// Writes expected.json: llama-perplexity's per-chunk numbers for story.txt, computed from
// llama.cpp's own logits (node-llama-cpp through the shared peer script), so that
// CliPerplexity.MatchesLlamaCppChunkByChunk checks hearth against llama.cpp, not against itself.
//
// Run once, offline, from the folder where node-llama-cpp is installed:
//   cd /work/peer && node /work/wt/ppl/tests/data/perplexity/make_expected.mjs \
//       /work/peer/llamacpp.mjs /work/shared/models/stories260K.gguf 128
//
// The definition (llama.cpp tools/perplexity/perplexity.cpp): the whole text tokenized with BOS
// and without parsing special tokens; n_tokens / n_ctx chunks; each chunk's first token replaced
// by BOS; in each chunk the token after position j scored for j = n_ctx/2 .. n_ctx-2 by
// log(sum_i exp(l_i - max)) - (l_tok - max), with the exponentials of float differences summed
// in double; after each chunk exp(mean) of everything scored so far.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const [peer, model, ctxArg] = process.argv.slice(2);
if (!peer || !model) {
  console.error("usage: node make_expected.mjs PEER_SCRIPT MODEL [N_CTX=128]");
  process.exit(2);
}
const nCtx = Number(ctxArg ?? 128);
const text = fs.readFileSync(path.join(here, "story.txt"), "utf8");

function peerRun(args, input) {
  return execFileSync("node", [peer, ...args], { input, maxBuffer: 1 << 28 }).toString();
}

// Token ids without BOS (parse_special false), then BOS in front when the model adds one: the
// peer's logits --prompt prepends BOS exactly when llama.cpp's vocabulary asks for it.
const bare = JSON.parse(peerRun(["tokenize", model], JSON.stringify({ text, parse_special: false }) + "\n")).ids;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ppl-expected-"));
const rowsFile = path.join(scratch, "logits.f32");
const probe = JSON.parse(peerRun(["logits", model, "--prompt", "a", "--out", rowsFile]));
const probeBare = JSON.parse(peerRun(["tokenize", model], JSON.stringify({ text: "a", parse_special: false }) + "\n")).ids;
const bos = probe.prompt_ids.length > probeBare.length ? probe.prompt_ids[0] : null;
const tokens = bos === null ? bare : [bos, ...bare];

const nChunks = Math.floor(tokens.length / nCtx);
const first = Math.floor(nCtx / 2);
let nll = 0;
let nll2 = 0;
let count = 0;
const chunks = [];
for (let c = 0; c < nChunks; c++) {
  const ids = tokens.slice(c * nCtx, (c + 1) * nCtx);
  if (bos !== null) ids[0] = bos;
  const meta = JSON.parse(peerRun(["logits", model, "--ids", ids.join(","), "--out", rowsFile]));
  const buf = fs.readFileSync(rowsFile);
  const rows = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const nVocab = meta.n_vocab;
  for (let j = first; j < nCtx - 1; j++) {
    const row = rows.subarray(j * nVocab, (j + 1) * nVocab);
    let max = row[0];
    for (let i = 1; i < nVocab; i++) max = Math.max(max, row[i]);
    let sum = 0;
    for (let i = 0; i < nVocab; i++) sum += Math.exp(Math.fround(row[i] - max));
    const v = Math.log(sum) - Math.fround(row[tokens[c * nCtx + j + 1]] - max);
    nll += v;
    nll2 += v * v;
    count++;
  }
  chunks.push(Math.exp(nll / count));
  process.stderr.write(`[${c + 1}]${chunks[c].toFixed(4)},`);
}
process.stderr.write("\n");
fs.rmSync(scratch, { recursive: true });

const mean = nll / count;
const ppl = Math.exp(mean);
const error = ppl * Math.sqrt((nll2 / count - mean * mean) / (count - 1));
const expected = {
  about: "llama.cpp's perplexity of story.txt, from llama.cpp's logits (make_expected.mjs)",
  model: path.basename(model),
  n_ctx: nCtx,
  n_tokens: tokens.length,
  chunks,
  final: ppl,
  error,
};
fs.writeFileSync(path.join(here, "expected.json"), JSON.stringify(expected, null, 1) + "\n");
console.log(`${nChunks} chunks, ${tokens.length} tokens: PPL = ${ppl.toFixed(4)} +/- ${error.toFixed(5)}`);
