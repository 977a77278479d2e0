// Writes llama.cpp's embeddings of a few texts for one GGUF model as <stem>.json beside this
// script: the reference test_embedding.cpp compares hearth's vectors with. Run by hand, never by
// the tests (it needs the node-llama-cpp package, which is no dependency of hearth):
//   cd SOME_FOLDER && npm install node-llama-cpp@3.22.1
//   node /path/to/make_reference.mjs MODEL.gguf [--encoder]    (from SOME_FOLDER)
// node-llama-cpp pools as the model's <arch>.pooling_type says and, when the key is absent
// (every decoder GGUF), returns the last token's hidden state. To get its mean and CLS vectors
// the script evaluates a temporary copy of the model with the key set to 1 (mean) or 2 (cls).
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(path.join(process.cwd(), "noop.js"));
const { getLlama, LlamaLogLevel } = await import(require.resolve("node-llama-cpp"));

// --encoder (BERT-style models, which pool by their metadata and tokenize with WordPiece): texts
// that exercise the normaliser too (capitals, accents, punctuation, a word the vocabulary cannot
// cut, CJK), mean pooling as the file asks, and CLS.
const ENCODER = process.argv.includes("--encoder");
const ENCODER_TEXTS = {
  short: "Hello world",
  sentence: "The quick brown fox jumps over the lazy dog.",
  tricky: "Café au lait, NAÏVE New-York: 3 embeddings?! Straße 日本 (tokenized)",
  long: "Embeddings turn a piece of text into a vector of numbers, so that texts with similar meaning " +
    "end up close to each other. A search engine over your own notes embeds every paragraph once.",
};
const ENCODER_CASES = [
  { pooling: "default", texts: ["short", "sentence", "tricky", "long"] },
  { pooling: "cls", texts: ["sentence", "tricky"] },
];
const DECODER_TEXTS = {
  short: "Hello world",
  sentence: "The quick brown fox jumps over the lazy dog.",
  long: "Embeddings turn a piece of text into a vector of numbers, so that texts with similar meaning " +
    "end up close to each other. A search engine over your own notes embeds every paragraph once, " +
    "stores the vectors, and at question time embeds the question and returns the nearest paragraphs. " +
    "Nothing leaves the machine, and the model does not need to be large for this to work well.",
};
// Which texts each pooling is checked on (kept few: the file stays a few KB).
const DECODER_CASES = [
  { pooling: "default", texts: ["short", "sentence", "long"] },
  { pooling: "mean", texts: ["sentence", "long"] },
  { pooling: "cls", texts: ["sentence"] },
];
const TEXTS = ENCODER ? ENCODER_TEXTS : DECODER_TEXTS;
const CASES = ENCODER ? ENCODER_CASES : DECODER_CASES;
const POOLING_KEY_VALUE = { mean: 1, cls: 2 };  // llama.cpp's enum llama_pooling_type

// A copy of the GGUF file at src with the u32 key <arch>.pooling_type = value (added or replaced).
function withPoolingType(src, dst, value) {
  const buf = fs.readFileSync(src);
  let p = 8;  // after magic and version
  const u32 = () => { p += 4; return buf.readUInt32LE(p - 4); };
  const u64 = () => { p += 8; return Number(buf.readBigUInt64LE(p - 8)); };
  const str = () => { const n = u64(); p += n; return buf.toString("utf8", p - n, p); };
  const scalarBytes = [1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8];  // by GGUF value type (8 string, 9 array)
  const skip = (t) => {
    if (t === 8) str();
    else if (t === 9) { const et = u32(); for (let n = u64(); n > 0; --n) skip(et); }
    else p += scalarBytes[t];
  };
  const nTensors = u64(), nKvAt = p, nKv = u64();
  let arch = "", alignment = 32;
  const kvs = [];
  for (let i = 0; i < nKv; ++i) {
    const start = p, key = str(), type = u32(), at = p;
    skip(type);
    if (key === "general.architecture") { p = at; arch = str(); }
    if (key === "general.alignment") alignment = buf.readUInt32LE(at);
    kvs.push({ key, bytes: buf.subarray(start, p) });
  }
  const infosAt = p;
  for (let i = 0; i < nTensors; ++i) {
    str();
    const nDims = u32();
    p += 8 * nDims + 4 + 8;  // dims, type, offset
  }
  const infos = buf.subarray(infosAt, p), dataAt = Math.ceil(p / alignment) * alignment;
  const name = Buffer.from(`${arch}.pooling_type`);
  const kv = Buffer.alloc(16 + name.length);
  kv.writeBigUInt64LE(BigInt(name.length), 0);
  name.copy(kv, 8);
  kv.writeUInt32LE(4, 8 + name.length);  // GGUF type u32
  kv.writeUInt32LE(value, 12 + name.length);
  const kept = kvs.filter((e) => e.key !== name.toString()).map((e) => e.bytes);
  const head = Buffer.concat([buf.subarray(0, nKvAt), Buffer.alloc(8), ...kept, kv, infos]);
  head.writeBigUInt64LE(BigInt(kept.length + 1), nKvAt);
  const pad = Buffer.alloc(Math.ceil(head.length / alignment) * alignment - head.length);
  fs.writeFileSync(dst, Buffer.concat([head, pad, buf.subarray(dataAt)]));
}

const modelPath = process.argv[2];
if (!modelPath) {
  console.error("usage: node make_reference.mjs MODEL.gguf [--encoder]");
  process.exit(2);
}
const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error, maxThreads: 2 });
const stem = path.basename(modelPath, ".gguf");
const out = { model: `${stem}.gguf`, produced_by: "tests/data/embeddings/make_reference.mjs (node-llama-cpp 3.22.1)",
  texts: TEXTS, cases: [] };
for (const { pooling, texts } of CASES) {
  let file = modelPath;
  if (pooling !== "default") {
    file = path.join(os.tmpdir(), `${stem}.pooling-${pooling}.gguf`);
    withPoolingType(modelPath, file, POOLING_KEY_VALUE[pooling]);
  }
  const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
  const context = await model.createEmbeddingContext({ contextSize: 512, batchSize: 512, threads: 2 });
  for (const text of texts) {
    const { vector } = await context.getEmbeddingFor(TEXTS[text]);
    out.cases.push({ pooling, text, n_tokens: context.calculateInputLength(TEXTS[text]),
      embedding: vector.map((v) => Number(v.toPrecision(6))) });
  }
  await context.dispose();
  await model.dispose();
  if (file !== modelPath) fs.rmSync(file);
}
const here = path.dirname(fileURLToPath(import.meta.url));
fs.writeFileSync(path.join(here, `${stem}.json`), JSON.stringify(out) + "\n");
