// Hostile and broken requests against `hearth serve`: each gets a clean error in the API's own
// error shape (checked against a JSON schema with ajv) and the server keeps answering: malformed
// JSON, wrong types, a 50 MB body, absurd max_tokens, unknown roles, a prompt longer than the
// context, invalid UTF-8, and slow-loris connections that send half a request and stall.
import assert from "node:assert/strict";
import net from "node:net";
import http from "node:http";
import { after, before, describe, test } from "node:test";

import { load, modelPath, postJson, getJson, requireFiles, startServer, waitIdle } from "./harness.mjs";

const stories = modelPath("stories260K.gguf");
requireFiles(stories);
const { default: Ajv } = await load("ajv");
const ajv = new Ajv();
const nullableString = { anyOf: [{ type: "string" }, { type: "null" }] };
const isOpenAIError = ajv.compile({
  type: "object", required: ["error"],
  properties: { error: { type: "object", required: ["message", "type", "param", "code"],
    properties: { message: { type: "string", minLength: 1 }, type: { type: "string" }, param: nullableString, code: nullableString } } },
});
const isOllamaError = ajv.compile({ type: "object", required: ["error"], properties: { error: { type: "string", minLength: 1 } } });

// Raw bytes to a path; resolves with status and parsed body (the server may close early).
function rawPost(url, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url + path, { method: "POST", headers: { "Content-Type": "application/json", "Content-Length": body.length } },
      (res) => {
        let data = "";
        res.on("data", (d) => { data += d; });
        res.on("end", () => resolve({ status: res.statusCode, body: data ? JSON.parse(data) : null }));
      });
    req.on("error", reject);
    req.end(body);
  });
}

describe("hostile requests", () => {
  let server;
  const chat = () => server.url + "/v1/chat/completions";
  before(async () => { server = await startServer(stories, ["-c", "256", "--parallel", "2", "--timeout", "2", "-t", "1"]); });
  after(async () => {
    // Still alive and answering after everything below.
    const r = await postJson(chat(), { messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 8 });
    assert.equal(r.status, 200);
    await waitIdle(server.url);
    assert.equal((await server.stop()).code, 0);
  });

  async function expectError(path, body, status, param) {
    const r = typeof body === "string" || Buffer.isBuffer(body) ? await rawPost(server.url, path, Buffer.from(body))
                                                               : await postJson(server.url + path, body);
    assert.equal(r.status, status, JSON.stringify(r.body));
    if (path.startsWith("/api/")) assert.ok(isOllamaError(r.body), JSON.stringify(r.body));
    else assert.ok(isOpenAIError(r.body), JSON.stringify(r.body));
    if (param !== undefined) assert.equal(r.body.error.param, param, JSON.stringify(r.body));
    return r.body;
  }
  const user = [{ role: "user", content: "hi" }];

  test("malformed JSON", async () => {
    for (const body of ["{", "{\"messages\": [}", "", "null", "[1,2]", "{\"a\":1} trailing", "\u0000"])
      await expectError("/v1/chat/completions", body, 400);
    await expectError("/api/chat", "{not json", 400);
    await expectError("/api/generate", "\"a string\"", 400);
  });

  test("wrong types name the field", async () => {
    await expectError("/v1/chat/completions", { messages: "hi" }, 400, "messages");
    await expectError("/v1/chat/completions", { messages: [] }, 400, "messages");
    await expectError("/v1/chat/completions", {}, 400, "messages");
    await expectError("/v1/chat/completions", { messages: [{ role: "user", content: 5 }] }, 400, "messages[0].content");
    await expectError("/v1/chat/completions", { messages: [{ role: "user", content: [{ type: "image_url" }] }] }, 400, "messages[0].content[0].type");
    await expectError("/v1/chat/completions", { messages: ["hi"] }, 400, "messages[0]");
    await expectError("/v1/chat/completions", { messages: user, temperature: "hot" }, 400, "temperature");
    await expectError("/v1/chat/completions", { messages: user, stream: "yes" }, 400, "stream");
    await expectError("/v1/chat/completions", { messages: user, stop: [1] }, 400, "stop[0]");
    await expectError("/v1/chat/completions", { messages: user, seed: 1.5 }, 400, "seed");
    await expectError("/v1/chat/completions", { messages: user, top_p: 0 }, 400, "top_p");
    await expectError("/v1/chat/completions", { messages: user, stream_options: 3 }, 400, "stream_options");
    await expectError("/v1/chat/completions", { messages: user, model: 7 }, 400, "model");
    await expectError("/v1/completions", { prompt: 42 }, 400, "prompt");
    await expectError("/v1/completions", { prompt: ["a", "b"] }, 400, "prompt");
    const o = await expectError("/api/chat", { messages: user, options: { top_k: "many" } }, 400);
    assert.match(o.error, /options\.top_k/);
    await expectError("/api/generate", { prompt: "x", options: [] }, 400);
    await expectError("/api/chat", { messages: user, format: "yaml" }, 400);
  });

  test("negative and absurd max_tokens", async () => {
    for (const v of [-1, 0, 1e300, 2 ** 40, 3.5, "10"])
      await expectError("/v1/chat/completions", { messages: user, max_tokens: v }, 400, "max_tokens");
    await expectError("/v1/completions", { prompt: "x", max_completion_tokens: -5 }, 400, "max_completion_tokens");
    const o = await expectError("/api/generate", { prompt: "x", options: { num_predict: -7 } }, 400);
    assert.match(o.error, /num_predict/);
  });

  test("unknown roles and unsupported features", async () => {
    await expectError("/v1/chat/completions", { messages: [{ role: "wizard", content: "hi" }] }, 400, "messages[0].role");
    await expectError("/v1/chat/completions", { messages: [{ content: "hi" }] }, 400, "messages[0].role");
    await expectError("/api/chat", { messages: [{ role: "root", content: "hi" }] }, 400);
    await expectError("/v1/chat/completions", { messages: user, n: 2 }, 400, "n");
    await expectError("/v1/chat/completions", { messages: user, tools: [{ type: "function" }] }, 400, "tools[0].function");
    await expectError("/v1/chat/completions", { messages: user, model: "gpt-4o" }, 404, "model");
    await expectError("/api/generate", { model: "llama3:8b", prompt: "hi" }, 404);
  });

  test("a prompt longer than the context", async () => {
    const long = "Once upon a time there was a little dog. ".repeat(200);  // ~2000 tokens, context 256
    const b = await expectError("/v1/chat/completions", { messages: [{ role: "user", content: long }] }, 400);
    assert.equal(b.error.code, "context_length_exceeded");
    await expectError("/v1/completions", { prompt: "x ".repeat(3000) }, 400, "prompt");
    await expectError("/api/generate", { prompt: long, raw: true }, 400);
  });

  test("invalid UTF-8", async () => {
    const bytes = Buffer.concat([Buffer.from('{"messages":[{"role":"user","content":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}]}')]);
    await expectError("/v1/chat/completions", bytes, 400);
    // A lone surrogate escape is valid JSON text; the server must answer, not crash.
    const r = await rawPost(server.url, "/v1/chat/completions", Buffer.from('{"messages":[{"role":"user","content":"a\\ud800b"}],"max_tokens":4}'));
    assert.ok(r.status === 200 || r.status === 400, String(r.status));
  });

  test("a 50 MB body gets 413", async () => {
    const big = Buffer.alloc(50 << 20, 0x61);
    const status = await new Promise((resolve) => {
      const req = http.request(chat(), { method: "POST", headers: { "Content-Type": "application/json", "Content-Length": big.length } },
        (res) => { res.resume(); resolve(res.statusCode); });
      // The server may answer and close before all bytes are sent: a write error is expected then.
      req.on("error", () => {});
      req.end(big);
    });
    assert.equal(status, 413);
  });

  test("unknown routes and methods", async () => {
    const r = await getJson(server.url + "/v2/nothing");
    assert.equal(r.status, 404);
    assert.ok(isOpenAIError(r.body));
    const o = await getJson(server.url + "/api/pull", { method: "POST", body: "{}" });
    assert.equal(o.status, 404);
    assert.ok(isOllamaError(o.body));
  });

  test("slow-loris: half-sent requests are dropped and do not block others", async () => {
    const halves = [
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Le",              // headers cut
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{\"messa",  // body cut
      "GET /health HTTP/1.1\r\n",                                                   // no blank line
    ];
    const sockets = [];
    const closed = [];
    for (let i = 0; i < 6; i++) {
      const s = net.connect(new URL(server.url).port, "127.0.0.1");
      sockets.push(s);
      s.resume();  // read (and drop) the 400 the server sends, so the close is seen
      closed.push(new Promise((resolve) => { s.on("close", resolve); s.on("error", () => {}); }));
      s.write(halves[i % halves.length]);
    }
    // Meanwhile the server answers normally.
    const r = await postJson(chat(), { messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 8 });
    assert.equal(r.status, 200);
    // Every stalled connection is closed by the server (--timeout 2); the test's own timeout
    // turns a connection held forever into a failure.
    await Promise.all(closed);
    for (const s of sockets) s.destroy();
  });
});
