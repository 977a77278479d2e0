// Tool calling through the official clients against tiny random models. A random model sampled
// at temperature 1 writes anything: with tool_choice forcing a call ("required" or a named
// function) the answer must still be a call whose arguments validate against the function's
// parameters (checked with ajv, independent of hearth's grammar), streamed or not. With "auto"
// and through Ollama (which cannot force) the answer only has to be well formed.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { load, modelPath, requireFiles, sanitized, startServer } from "./harness.mjs";

const models = ["tiny-qwen3-q4_k_m", "tiny-llama3-q4_0"];
requireFiles(...models.map((m) => modelPath(m + ".gguf")));
const { default: OpenAI } = await load("openai");
const { Ollama } = await load("ollama");
const { default: Ajv2020 } = await load("ajv/dist/2020.js");

const fn = (name, description, parameters) => ({ type: "function", function: { name, description, parameters } });
const tools = [
  // integer range, bounded string
  fn("get_weather", "Weather forecast for a city", {
    type: "object", properties: { city: { type: "string", maxLength: 12 }, days: { type: "integer", minimum: 1, maximum: 7 } },
    required: ["city", "days"], additionalProperties: false }),
  // nested object, enum, array
  fn("book_table", "Book a restaurant table", {
    type: "object",
    properties: {
      guest: { type: "object", properties: { name: { type: "string", maxLength: 10 }, vip: { type: "boolean" } },
               required: ["name", "vip"], additionalProperties: false },
      area: { enum: ["inside", "terrace", "bar"] },
      dishes: { type: "array", items: { type: "string", maxLength: 8 }, maxItems: 3 },
      seats: { type: "integer", minimum: 1, maximum: 12 },
    },
    required: ["guest", "area", "dishes", "seats"], additionalProperties: false }),
  // no arguments at all
  fn("get_time", "The current time", { type: "object", properties: {}, additionalProperties: false }),
];
const byName = Object.fromEntries(tools.map((t) => [t.function.name, t.function]));
const ajv = new Ajv2020({ strict: false });
const validators = Object.fromEntries(tools.map((t) => [t.function.name, ajv.compile(t.function.parameters)]));
const seeds = sanitized ? [1] : [1, 2, 3];

// A call as OpenAI returns it, with arguments valid for the function it names.
function checkCall(call, allowed) {
  assert.match(call.id, /^call_[0-9a-f]+$/);
  assert.equal(call.type, "function");
  assert.ok(allowed.includes(call.function.name), call.function.name);
  const args = JSON.parse(call.function.arguments);
  const validate = validators[call.function.name];
  assert.ok(validate(args), `${call.function.name} ${call.function.arguments}: ${JSON.stringify(validate.errors)}`);
  return args;
}

for (const model of models) {
  describe(`tool calling (${model})`, () => {
    let server, openai, ollama;
    const ask = [{ role: "user", content: "Plan my evening." }];
    before(async () => {
      server = await startServer(modelPath(model + ".gguf"), ["-c", "2048", "--parallel", "2", "-t", "1"]);
      openai = new OpenAI({ baseURL: server.url + "/v1", apiKey: "unused", maxRetries: 0 });
      ollama = new Ollama({ host: server.url });
    });
    after(async () => {
      const status = await server.stop();
      assert.equal(status.code, 0);
    });

    test("a named function is always called with valid arguments", async () => {
      for (const t of tools) {
        for (const seed of seeds) {
          const r = await openai.chat.completions.create({
            model, messages: ask, tools, temperature: 1, seed, max_tokens: 400,
            tool_choice: { type: "function", function: { name: t.function.name } },
          });
          const c = r.choices[0];
          assert.equal(c.finish_reason, "tool_calls", JSON.stringify(c.message));
          assert.equal(c.message.content, null);
          assert.equal(c.message.tool_calls.length, 1);
          checkCall(c.message.tool_calls[0], [t.function.name]);
        }
      }
    });

    test("\"required\" calls one of the tools", async () => {
      const two = tools.slice(0, 2);
      const names = new Set();
      for (const seed of [...seeds, 4, 5]) {
        const r = await openai.chat.completions.create({ model, messages: ask, tools: two, tool_choice: "required",
                                                         parallel_tool_calls: false, temperature: 1, seed, max_tokens: 400 });
        assert.equal(r.choices[0].finish_reason, "tool_calls");
        names.add(checkCall(r.choices[0].message.tool_calls[0], ["get_weather", "book_table"]) && r.choices[0].message.tool_calls[0].function.name);
      }
      assert.ok(names.size >= 1);
    });

    test("streamed: the client's stream helper assembles the call", async () => {
      // (Not compared with the unstreamed answer: a slot reusing a cached prompt may round
      // differently, and at temperature 1 the sampled text then differs.)
      for (const seed of seeds) {
        const stream = openai.chat.completions.stream({ model, messages: ask, tools, temperature: 1, seed, max_tokens: 400,
                                                        tool_choice: { type: "function", function: { name: "book_table" } } });
        let deltas = 0, content = "";
        stream.on("chunk", (chunk) => {
          if (chunk.choices[0]?.delta?.tool_calls) deltas++;
          content += chunk.choices[0]?.delta?.content ?? "";
        });
        const final = await stream.finalChatCompletion();
        assert.ok(deltas >= 1);
        assert.equal(content, "");  // a forced call is never streamed as text
        const c = final.choices[0];
        assert.equal(c.finish_reason, "tool_calls");
        assert.equal(c.message.tool_calls.length, 1);
        checkCall(c.message.tool_calls[0], ["book_table"]);
      }
    });

    test("a tool result goes back in the conversation", async () => {
      const first = await openai.chat.completions.create({ model, messages: ask, tools, temperature: 1, seed: 3, max_tokens: 400,
                                                           tool_choice: { type: "function", function: { name: "get_weather" } } });
      const call = first.choices[0].message.tool_calls[0];
      const messages = [...ask, first.choices[0].message, { role: "tool", tool_call_id: call.id, content: "sunny, 21 C" }];
      for (const tool_choice of ["auto", "none"]) {
        const r = await openai.chat.completions.create({ model, messages, tools, tool_choice, temperature: 1, seed: 4, max_tokens: 30 });
        const c = r.choices[0];
        assert.ok(["stop", "length", "tool_calls"].includes(c.finish_reason), c.finish_reason);
        if (c.finish_reason === "tool_calls") c.message.tool_calls.forEach((tc) => checkCall(tc, Object.keys(byName)));
        else assert.equal(typeof c.message.content, "string");
        if (tool_choice === "none") assert.equal(c.message.tool_calls, undefined);
      }
    });

    test("bad tools and tool_choice are a 400 naming the field", async () => {
      const bad = [
        [{ tools, tool_choice: { type: "function", function: { name: "nope" } } }, "tool_choice.function.name"],
        [{ tools: [{ type: "function", function: { name: "has space" } }] }, "tools[0].function.name"],
        [{ tools: [{ type: "retrieval" }] }, "tools[0].type"],
        [{ tool_choice: "required" }, "tool_choice"],
        [{ tools, tool_choice: "sometimes" }, "tool_choice"],
      ];
      for (const [extra, param] of bad) {
        await assert.rejects(openai.chat.completions.create({ model, messages: ask, ...extra }),
                             (e) => e.status === 400 && e.param === param && e.message.includes(param), param);
      }
    });

    test("ollama: tools are accepted and any calls are well formed", async () => {
      const check = (message) => {
        assert.equal(message.role, "assistant");
        assert.equal(typeof message.content, "string");
        for (const tc of message.tool_calls ?? []) {
          assert.ok(byName[tc.function.name], tc.function.name);
          assert.equal(typeof tc.function.arguments, "object");
        }
      };
      const r = await ollama.chat({ model, messages: ask, tools, stream: false, options: { temperature: 1, seed: 2, num_predict: 40 } });
      assert.equal(r.done, true);
      check(r.message);
      let parts = 0;
      for await (const part of await ollama.chat({ model, messages: ask, tools, stream: true, options: { seed: 2, num_predict: 40 } })) {
        parts++;
        check(part.message);
      }
      assert.ok(parts >= 1);
      // A call and its result back in the conversation.
      const messages = [...ask,
        { role: "assistant", content: "", tool_calls: [{ function: { name: "get_weather", arguments: { city: "Oslo", days: 2 } } }] },
        { role: "tool", content: "rain", tool_name: "get_weather" }];
      check((await ollama.chat({ model, messages, tools, stream: false, options: { seed: 3, num_predict: 20 } })).message);
    });
  });
}
