// A BERT encoder behind the server: the synthetic tiny BERT (written here with `hearth synth`,
// the bytes tests/data/embeddings/tiny-bert-q8_0.json was made from) gives llama.cpp's vectors
// through OpenAI's /v1/embeddings (unit length) and Ollama's /api/embed, and the generation
// routes answer 400 with a message that points at the embeddings routes instead of text.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";

import { bin, outDir, postJson, requireFiles, startServer } from "./harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const reference = JSON.parse(fs.readFileSync(path.join(here, "..", "data", "embeddings", "tiny-bert-q8_0.json"), "utf8"));
requireFiles();
const model = path.join(outDir || "/tmp", `server-tiny-bert-q8_0-${process.pid}.gguf`);
execFileSync(bin, ["synth", "--arch", "bert", "--shape", "tiny", "--type", "q8_0", "--seed", "14", "-o", model, "-t", "1"], { stdio: "pipe" });

const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const unit = (v) => v.map((x) => x / norm(v));
function nrmse(got, want) {
  let d = 0, r = 0;
  want.forEach((w, i) => { d += (got[i] - w) ** 2; r += w * w; });
  return Math.sqrt(d / r);
}
const meanCase = (text) => reference.cases.find((c) => c.pooling === "default" && c.text === text);

describe("bert encoder", () => {
  let server;
  before(async () => { server = await startServer(model, ["-c", "512", "-t", "2"]); });
  after(async () => {
    await server?.stop();
    fs.rmSync(model, { force: true });
  });

  test("openai /v1/embeddings: llama.cpp's mean-pooled vectors, normalised, with [CLS]/[SEP] counted", async () => {
    const names = ["short", "tricky"];
    const r = await postJson(server.url + "/v1/embeddings", { input: names.map((n) => reference.texts[n]), encoding_format: "float" });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    names.forEach((n, i) => {
      const got = r.body.data[i].embedding;
      assert.ok(Math.abs(norm(got) - 1) < 1e-5);
      const e = nrmse(got, unit(meanCase(n).embedding));
      assert.ok(e < 1e-3, `${n}: NRMSE ${e}`);
    });
    assert.equal(r.body.usage.prompt_tokens, names.reduce((s, n) => s + meanCase(n).n_tokens, 0));
  });

  test("ollama /api/embed: the same vectors", async () => {
    const r = await postJson(server.url + "/api/embed", { input: reference.texts.sentence });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const e = nrmse(r.body.embeddings[0], unit(meanCase("sentence").embedding));
    assert.ok(e < 1e-3, `NRMSE ${e}`);
  });

  test("generation routes: 400 naming the embeddings routes", async () => {
    const chat = await postJson(server.url + "/v1/chat/completions", { messages: [{ role: "user", content: "hi" }], max_tokens: 4 });
    assert.equal(chat.status, 400);
    assert.match(chat.body.error.message, /embedding model.*\/v1\/embeddings/);
    const generate = await postJson(server.url + "/api/generate", { prompt: "hi", stream: false });
    assert.equal(generate.status, 400);
    assert.match(generate.body.error, /embedding model/);
  });
});
