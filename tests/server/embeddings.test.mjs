// Embeddings through the official clients: OpenAI's embeddings.create (which asks for base64 and
// decodes it) and Ollama's embed / embeddings, a batch of 64 texts, the same vector for a text
// alone and inside a batch, unit length, equality with `hearth embed`, and the 400s.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, test } from "node:test";

import { bin, load, modelPath, postJson, requireFiles, startServer } from "./harness.mjs";

const model = modelPath("tiny-llama3-q8_0.gguf");
requireFiles(model);
const { default: OpenAI } = await load("openai");
const { Ollama } = await load("ollama");

const N_CTX = 256;
const N_EMBD = 256;
const texts = Array.from({ length: 64 }, (_, i) => `Document ${i}: ${"note ".repeat(i % 7)}about topic ${i * 37 % 11}.`);

const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
// The vector `hearth embed` prints for one text.
const cliEmbedding = (text, ...flags) =>
  JSON.parse(execFileSync(bin, ["embed", "-m", model, "-c", String(N_CTX), "-t", "2", ...flags, text], { encoding: "utf8" })).embedding;

describe("embeddings", () => {
  let server, openai, ollama;
  before(async () => {
    server = await startServer(model, ["-c", String(N_CTX), "--parallel", "2", "-t", "2"]);
    openai = new OpenAI({ baseURL: server.url + "/v1", apiKey: "unused" });
    ollama = new Ollama({ host: server.url });
  });
  after(async () => { await server?.stop(); });

  test("openai: one text, float and base64, equal to hearth embed --normalize", async () => {
    const asFloat = await openai.embeddings.create({ model: "tiny-llama3-q8_0", input: "Hello world", encoding_format: "float" });
    assert.equal(asFloat.object, "list");
    assert.equal(asFloat.model, "tiny-llama3-q8_0");
    assert.equal(asFloat.data.length, 1);
    assert.equal(asFloat.data[0].object, "embedding");
    assert.equal(asFloat.data[0].index, 0);
    const v = asFloat.data[0].embedding;
    assert.equal(v.length, N_EMBD);
    assert.ok(Math.abs(norm(v) - 1) < 1e-5, `norm ${norm(v)}`);
    assert.deepEqual(asFloat.usage, { prompt_tokens: 3, total_tokens: 3 });  // BOS + 2 tokens
    // The client's default: base64 on the wire, decoded to float32 by the client.
    const decoded = await openai.embeddings.create({ model: "tiny-llama3-q8_0", input: "Hello world" });
    assert.deepEqual(Array.from(decoded.data[0].embedding), v);
    assert.deepEqual(cliEmbedding("Hello world", "--normalize"), v);
  });

  test("openai: a batch of 64 in order, each as alone; token ids", async () => {
    const batch = await openai.embeddings.create({ input: texts, encoding_format: "float" });
    assert.equal(batch.data.length, 64);
    batch.data.forEach((d, i) => assert.equal(d.index, i));
    const alone = await openai.embeddings.create({ input: texts[17], encoding_format: "float" });
    assert.deepEqual(batch.data[17].embedding, alone.data[0].embedding);
    assert.notDeepEqual(batch.data[16].embedding, batch.data[17].embedding);
    assert.ok(batch.usage.prompt_tokens > 64 * 5);

    const ids = await openai.embeddings.create({ input: [128000, 9906, 1917], encoding_format: "float" });  // "Hello world" with BOS
    const text = await openai.embeddings.create({ input: "Hello world", encoding_format: "float" });
    assert.deepEqual(ids.data[0].embedding, text.data[0].embedding);
    const lists = await openai.embeddings.create({ input: [[128000, 9906], [128000, 9906, 1917]], encoding_format: "float" });
    assert.equal(lists.data.length, 2);
    assert.deepEqual(lists.data[1].embedding, text.data[0].embedding);
    assert.equal(lists.usage.prompt_tokens, 5);
  });

  test("ollama: embed a batch of 64 (normalised), legacy embeddings (raw)", async () => {
    const r = await ollama.embed({ model: "tiny-llama3-q8_0", input: texts });
    assert.equal(r.model, "tiny-llama3-q8_0");
    assert.equal(r.embeddings.length, 64);
    for (const v of r.embeddings) {
      assert.equal(v.length, N_EMBD);
      assert.ok(Math.abs(norm(v) - 1) < 1e-5);
    }
    assert.ok(r.prompt_eval_count > 64 * 5);
    assert.ok(r.total_duration > 0);
    const one = await ollama.embed({ model: "tiny-llama3-q8_0", input: texts[5] });
    assert.deepEqual(one.embeddings, [r.embeddings[5]]);

    const legacy = await ollama.embeddings({ model: "tiny-llama3-q8_0", prompt: "Hello world" });
    assert.deepEqual(legacy.embedding, cliEmbedding("Hello world"));
    assert.ok(norm(legacy.embedding) > 2, "the legacy endpoint is not normalised");
  });

  test("dimensions keeps the first values, renormalised", async () => {
    const full = await openai.embeddings.create({ input: "Hello world", encoding_format: "float" });
    const cut = await openai.embeddings.create({ input: "Hello world", encoding_format: "float", dimensions: 32 });
    const v = cut.data[0].embedding;
    assert.equal(v.length, 32);
    assert.ok(Math.abs(norm(v) - 1) < 1e-5);
    const head = full.data[0].embedding.slice(0, 32), scale = 1 / norm(head);
    v.forEach((x, i) => assert.ok(Math.abs(x - head[i] * scale) < 1e-6));
  });

  test("bad input is a 400 naming the field and the limit", async () => {
    const bad = async (path, body, param, pattern) => {
      const r = await postJson(server.url + path, body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      const message = typeof r.body.error === "string" ? r.body.error : r.body.error.message;
      if (param) assert.equal(r.body.error.param, param);
      assert.match(message, pattern);
    };
    await bad("/v1/embeddings", { input: "" }, "input", /empty/);
    await bad("/v1/embeddings", { input: [] }, "input", /empty/);
    await bad("/v1/embeddings", { input: ["a", ""] }, "input[1]", /empty/);
    await bad("/v1/embeddings", { input: ["a", 5] }, "input[1]", /expected a string/);
    await bad("/v1/embeddings", {}, "input", /required/);
    await bad("/v1/embeddings", { input: [1, 999999999] }, "input[1]", /token id/);
    await bad("/v1/embeddings", { input: new Array(N_CTX + 1).fill(9906) }, "input", new RegExp(`${N_CTX + 1} tokens.*${N_CTX}`));
    await bad("/v1/embeddings", { input: "x", encoding_format: "int8" }, "encoding_format", /base64/);
    await bad("/v1/embeddings", { input: "x", dimensions: N_EMBD + 1 }, "dimensions", new RegExp(`${N_EMBD}`));
    const long = "word ".repeat(N_CTX + 10);
    await bad("/api/embed", { input: long, truncate: false }, null, new RegExp(`input: \\d+ tokens.*${N_CTX}`));
    await bad("/api/embed", { input: [] }, null, /input: the array is empty/);
    const truncated = await postJson(server.url + "/api/embed", { input: long });  // Ollama's default: keep the start
    assert.equal(truncated.status, 200);
    assert.equal(truncated.body.prompt_eval_count, N_CTX);
    assert.equal((await postJson(server.url + "/v1/embeddings", { model: "other", input: "x" })).status, 404);
  });

  test("embeddings while a chat answer is generated", async () => {
    const chat = openai.chat.completions.create({ messages: [{ role: "user", content: "Hi" }], max_tokens: 48, temperature: 0 });
    const emb = openai.embeddings.create({ input: texts, encoding_format: "float" });
    const [c, e] = await Promise.all([chat, emb]);
    assert.ok(c.choices[0].message.content.length > 0);
    assert.equal(e.data.length, 64);
  });
});
