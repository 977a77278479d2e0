// `hearth serve` driven by the official `openai` and `ollama` npm clients: listings, chat and
// completions with and without streaming, sampling fields, errors, the API key, and that no
// prompt or answer text reaches the server's output.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { load, modelPath, postJson, getJson, requireFiles, startServer, waitIdle } from "./harness.mjs";

const stories = modelPath("stories260K.gguf");
const templated = modelPath("tiny-llama3-q4_0.gguf");
requireFiles(stories, templated);
const { default: OpenAI } = await load("openai");
const { Ollama } = await load("ollama");

// Marks every prompt of this file: the server's stdout/stderr must never contain it.
const SECRET = "zebra-crossing-4711";

describe("stories260K (no chat template)", () => {
  let server, openai, ollama, modelId;
  before(async () => {
    server = await startServer(stories, ["-c", "256", "--parallel", "2", "-t", "1"]);
    openai = new OpenAI({ baseURL: server.url + "/v1", apiKey: "unused", maxRetries: 0 });
    ollama = new Ollama({ host: server.url });
  });
  after(async () => {
    const status = await server.stop();
    assert.equal(status.code, 0, "SIGTERM exits 0");
    assert.ok(!server.out.stderr.includes(SECRET) && !server.out.stdout.includes(SECRET), "no prompt text in the output");
    assert.match(server.out.stderr, /POST \/v1\/chat\/completions 200 \d+ ms prompt \d+ tok, answer \d+ tok/);
  });

  test("models.list names the served model", async () => {
    const list = await openai.models.list();
    assert.equal(list.data.length, 1);
    modelId = list.data[0].id;
    assert.equal(modelId, "stories260K");
    assert.equal(list.data[0].object, "model");
  });

  test("chat.completions.create without streaming", async () => {
    const r = await openai.chat.completions.create({
      model: modelId, messages: [{ role: "user", content: `Once upon a time ${SECRET}` }], max_tokens: 24, temperature: 0,
    });
    assert.equal(r.object, "chat.completion");
    assert.equal(r.model, modelId);
    const c = r.choices[0];
    assert.equal(c.message.role, "assistant");
    assert.ok(c.message.content.length > 0);
    assert.ok(["stop", "length"].includes(c.finish_reason));
    assert.ok(r.usage.completion_tokens >= 1 && r.usage.completion_tokens <= 24);
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
  });

  test("streamed chat equals the non-streamed answer (greedy) and ends with usage", async () => {
    const request = { model: modelId, messages: [{ role: "system", content: SECRET }, { role: "user", content: "Lily went to the park." }],
                      max_tokens: 40, temperature: 0 };
    const whole = await openai.chat.completions.create(request);
    const stream = await openai.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    let text = "", chunks = 0, finish = null, usage = null, role = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      const c = chunk.choices[0];
      if (!c) continue;
      if (c.delta.role) role = c.delta.role;
      if (c.delta.content) { text += c.delta.content; chunks++; }
      if (c.finish_reason) finish = c.finish_reason;
    }
    assert.equal(role, "assistant");
    assert.equal(text, whole.choices[0].message.content);
    assert.equal(finish, whole.choices[0].finish_reason);
    assert.ok(chunks >= 1);
    assert.deepEqual(usage, whole.usage);
  });

  test("the same seed gives the same sampled answer", async () => {
    const request = { model: modelId, messages: [{ role: "user", content: "Tom had a red ball." }], max_tokens: 30,
                      temperature: 1.0, top_p: 0.9, seed: 1234, presence_penalty: 0.5, frequency_penalty: 0.3 };
    const a = await openai.chat.completions.create(request);
    const b = await openai.chat.completions.create(request);
    assert.equal(a.choices[0].message.content, b.choices[0].message.content);
  });

  test("stop strings (string and list) cut the answer, max_tokens gives length", async () => {
    const base = { model: modelId, messages: [{ role: "user", content: "Once upon a time" }], temperature: 0, max_tokens: 40 };
    const full = (await openai.chat.completions.create(base)).choices[0].message.content;
    const word = full.trim().split(/\s+/)[3];
    for (const stop of [word, [word, "zzzz-not-there"]]) {
      const r = await openai.chat.completions.create({ ...base, stop });
      assert.equal(r.choices[0].finish_reason, "stop");
      assert.equal(r.choices[0].message.content, full.slice(0, full.indexOf(word)));
    }
    const one = await openai.chat.completions.create({ ...base, max_completion_tokens: 1 });
    assert.equal(one.usage.completion_tokens, 1);
    assert.equal(one.choices[0].finish_reason, "length");
  });

  test("completions, streamed and not", async () => {
    const request = { model: modelId, prompt: "Once upon a time", max_tokens: 20, temperature: 0 };
    const r = await openai.completions.create(request);
    assert.equal(r.object, "text_completion");
    assert.ok(r.choices[0].text.length > 0);
    let text = "";
    for await (const chunk of await openai.completions.create({ ...request, stream: true })) text += chunk.choices[0]?.text ?? "";
    assert.equal(text, r.choices[0].text);
  });

  test("errors come back as the client's typed errors with status and field", async () => {
    await assert.rejects(openai.chat.completions.create({ model: "gpt-9", messages: [{ role: "user", content: "hi" }] }),
      (e) => e instanceof OpenAI.NotFoundError && e.status === 404 && e.code === "model_not_found");
    await assert.rejects(openai.chat.completions.create({ model: modelId, messages: [{ role: "user", content: "hi" }], temperature: 7 }),
      (e) => e instanceof OpenAI.BadRequestError && e.status === 400 && e.param === "temperature");
    await assert.rejects(openai.chat.completions.create({ model: modelId, messages: [{ role: "user", content: "hi" }], n: 3 }),
      (e) => e.status === 400 && e.param === "n");
  });

  test("ollama list, show, ps and version", async () => {
    const list = await ollama.list();
    assert.equal(list.models.length, 1);
    assert.equal(list.models[0].name, "stories260K:latest");
    assert.equal(list.models[0].details.family, "llama");
    const show = await ollama.show({ model: "stories260K" });
    assert.equal(show.details.format, "gguf");
    assert.equal(show.model_info["general.architecture"], "llama");
    assert.equal(show.model_info["llama.context_length"], 512);
    const ps = await ollama.ps();
    assert.equal(ps.models[0].model, "stories260K:latest");
    const version = await getJson(server.url + "/api/version");
    assert.match(version.body.version, /^\d+\.\d+\.\d+$/);
    await assert.rejects(ollama.show({ model: "no-such-model:7b" }), (e) => e.status_code === 404);
  });

  test("ollama chat, streamed and not, with options", async () => {
    const request = { model: "stories260K:latest", messages: [{ role: "user", content: `Once upon a time ${SECRET}` }],
                      options: { temperature: 0, num_predict: 30, top_k: 20, seed: 3, num_ctx: 256 } };
    const whole = await ollama.chat({ ...request, stream: false });
    assert.equal(whole.done, true);
    assert.equal(whole.message.role, "assistant");
    assert.ok(whole.message.content.length > 0);
    assert.ok(whole.eval_count >= 1 && whole.eval_count <= 30);
    assert.ok(whole.prompt_eval_count >= 1);
    assert.ok(["stop", "length"].includes(whole.done_reason));
    assert.ok(whole.eval_duration > 0 && whole.total_duration >= whole.eval_duration);
    let text = "", last = null, parts = 0;
    for await (const part of await ollama.chat({ ...request, stream: true })) {
      text += part.message.content;
      parts++;
      last = part;
    }
    assert.ok(parts >= 2);  // text and the closing line at least (pieces coalesce when decoding outruns the reader)
    assert.equal(last.done, true);
    assert.equal(text, whole.message.content);
    assert.equal(last.eval_count, whole.eval_count);
  });

  test("ollama generate and the stop option", async () => {
    const r = await ollama.generate({ model: "stories260K", prompt: "Once upon a time", stream: false,
                                      options: { temperature: 0, num_predict: 25 } });
    assert.equal(r.done, true);
    assert.ok(r.response.length > 0);
    const word = r.response.trim().split(/\s+/)[2];
    const cut = await ollama.generate({ model: "stories260K", prompt: "Once upon a time", stream: false,
                                        options: { temperature: 0, num_predict: 25, stop: [word] } });
    assert.equal(cut.done_reason, "stop");
    assert.equal(cut.response, r.response.slice(0, r.response.indexOf(word)));
    let streamed = "";
    for await (const part of await ollama.generate({ model: "stories260K", prompt: "Once upon a time", stream: true,
                                                      options: { temperature: 0, num_predict: 25 } })) streamed += part.response;
    assert.equal(streamed, r.response);
  });

  test("/health reports the slots and the queue", async () => {
    const h = await waitIdle(server.url);
    assert.equal(h.status, "ok");
    assert.equal(h.slots_idle, 2);
    assert.equal(h.n_ctx, 256);
    assert.ok(h.queue_capacity >= 1);
  });
});

describe("tiny-llama3 (chat template) behind an API key", () => {
  let server, openai;
  before(async () => {
    server = await startServer(templated, ["-c", "512", "--parallel", "1", "--api-key", "s3cret"]);
    openai = new OpenAI({ baseURL: server.url + "/v1", apiKey: "s3cret", maxRetries: 0 });
  });
  after(async () => { assert.equal((await server.stop()).code, 0); });

  test("requests without the right key get 401", async () => {
    const wrong = new OpenAI({ baseURL: server.url + "/v1", apiKey: "nope", maxRetries: 0 });
    await assert.rejects(wrong.models.list(), (e) => e instanceof OpenAI.AuthenticationError && e.status === 401);
    const r = await postJson(server.url + "/api/chat", { messages: [{ role: "user", content: "hi" }] });
    assert.equal(r.status, 401);
    assert.equal(typeof r.body.error, "string");
    assert.equal((await getJson(server.url + "/health")).status, 200, "health stays open");
  });

  test("chat through the template, streamed and not", async () => {
    const id = (await openai.models.list()).data[0].id;
    assert.equal(id, "tiny-llama3-q4_0");
    const request = { model: id, messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hello" }],
                      max_tokens: 16, temperature: 0 };
    const r = await openai.chat.completions.create(request);
    // The Llama 3 template wraps each message in header tokens: far more than the words.
    assert.ok(r.usage.prompt_tokens > 10, `prompt_tokens ${r.usage.prompt_tokens}`);
    let text = "";
    for await (const chunk of await openai.chat.completions.create({ ...request, stream: true })) text += chunk.choices[0]?.delta?.content ?? "";
    assert.equal(text, r.choices[0].message.content);
    const show = await postJson(server.url + "/api/show", { model: id }, { Authorization: "Bearer s3cret" });
    assert.match(show.body.template, /start_header_id/);
  });
});
