// Structured output through the official clients: OpenAI response_format (json_object and
// json_schema) and Ollama's format ("json" or a schema). A random-weight model sampled at
// temperature 1 would write anything; every answer must still validate against its schema, checked
// with an independent validator (ajv).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { load, modelPath, requireFiles, sanitized, startServer } from "./harness.mjs";

const model = modelPath("tiny-llama3-q4_0.gguf");
requireFiles(model);
const { default: OpenAI } = await load("openai");
const { Ollama } = await load("ollama");
const { default: Ajv2020 } = await load("ajv/dist/2020.js");  // the draft hearth reads (prefixItems)

const str = { type: "string", maxLength: 12 };
const schemas = {
  flat: { type: "object", properties: { name: str, age: { type: "integer", minimum: 0, maximum: 150 } }, required: ["name", "age"],
          additionalProperties: false },
  optional: { type: "object", properties: { a: { type: "boolean" }, b: { type: "null" }, c: str }, required: ["c"], additionalProperties: false },
  enums: { type: "object", properties: { color: { enum: ["red", "green", "blue"] }, size: { enum: [1, 2, 3, null] } },
           required: ["color", "size"], additionalProperties: false },
  constant: { type: "object", properties: { kind: { const: "point" }, x: { type: "number" } }, required: ["kind", "x"],
              additionalProperties: false },
  nested: { type: "object", properties: { user: { type: "object", properties: { id: { type: "integer" }, tags: { type: "array", items: str, maxItems: 3 } },
                                                   required: ["id", "tags"], additionalProperties: false } },
            required: ["user"], additionalProperties: false },
  arrayBounds: { type: "object", properties: { xs: { type: "array", items: { type: "integer", minimum: -5, maximum: 5 }, minItems: 2, maxItems: 4 } },
                 required: ["xs"], additionalProperties: false },
  topArray: { type: "array", items: { type: "boolean" }, minItems: 1, maxItems: 3 },
  anyOf: { type: "object", properties: { v: { anyOf: [{ type: "integer" }, { type: "string", maxLength: 5 }, { type: "null" }] } },
           required: ["v"], additionalProperties: false },
  oneOfObjects: { oneOf: [
    { type: "object", properties: { circle: { type: "number" } }, required: ["circle"], additionalProperties: false },
    { type: "object", properties: { square: { type: "integer", minimum: 1, maximum: 9 } }, required: ["square"], additionalProperties: false }] },
  stringLengths: { type: "object", properties: { code: { type: "string", minLength: 3, maxLength: 3 }, note: { type: "string", maxLength: 8 } },
                   required: ["code", "note"], additionalProperties: false },
  date: { type: "object", properties: { day: { type: "string", format: "date" } }, required: ["day"], additionalProperties: false },
  dateTime: { type: "object", properties: { at: { type: "string", format: "date-time" } }, required: ["at"], additionalProperties: false },
  time: { type: "object", properties: { t: { type: "string", format: "time" } }, required: ["t"], additionalProperties: false },
  uuid: { type: "object", properties: { id: { type: "string", format: "uuid" } }, required: ["id"], additionalProperties: false },
  numberRange: { type: "object", properties: { p: { type: "number", minimum: 0, maximum: 1 } }, required: ["p"], additionalProperties: false },
  intRange: { type: "object", properties: { n: { type: "integer", minimum: 10, maximum: 99 } }, required: ["n"], additionalProperties: false },
  typeList: { type: "object", properties: { v: { type: ["integer", "boolean"] } }, required: ["v"], additionalProperties: false },
  defsRef: { $defs: { pt: { type: "object", properties: { x: { type: "integer" }, y: { type: "integer" } }, required: ["x", "y"], additionalProperties: false } },
             type: "object", properties: { from: { $ref: "#/$defs/pt" }, to: { $ref: "#/$defs/pt" } }, required: ["from", "to"], additionalProperties: false },
  recursive: { $defs: { node: { type: "object", properties: { v: { type: "integer" }, kids: { type: "array", items: { $ref: "#/$defs/node" }, maxItems: 2 } },
                                required: ["v"], additionalProperties: false } },
               $ref: "#/$defs/node" },
  prefixItems: { type: "array", prefixItems: [{ type: "string", maxLength: 4 }, { type: "integer" }], items: false },
  enumMixed: { enum: ["a", 1, true, null, { k: "v" }, [1, 2]] },
  boolean: { type: "boolean" },
  emptyObject: { type: "object", properties: {}, additionalProperties: false },
};

function validator() {
  const ajv = new Ajv2020({ strict: false, validateFormats: false });
  return (schema, value) => {
    const validate = ajv.compile(schema);
    const ok = validate(value);
    return ok ? "" : JSON.stringify(validate.errors);
  };
}

// Formats are checked here rather than by ajv-formats (not a dependency): the shapes the issue names.
const formatChecks = {
  date: (v) => /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/.test(v.day),
  dateTime: (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v.at),
  time: (v) => /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.test(v.t),
  uuid: (v) => /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(v.id),
};

// Whether text can be continued into a JSON object: an independent scanner (not hearth's grammar)
// that tracks strings, escapes and the open brackets, and lets only JSON's characters through.
function isJsonObjectPrefix(text) {
  const t = text.replace(/^\s+/, "");
  if (!t.startsWith("{")) return false;
  const open = [];
  let inString = false, escape = false;
  for (const ch of t) {
    if (inString) {
      if (escape) { if (!'"\\/bfnrtu'.includes(ch)) return false; escape = false; }
      else if (ch === "\\") escape = true;
      else if (ch === '"') inString = false;
      else if (ch < " ") return false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === "{" || ch === "[") open.push(ch);
    else if (ch === "}" || ch === "]") { if (open.pop() !== (ch === "}" ? "{" : "[")) return false; if (open.length === 0) return false; }
    else if (!/[\s:,0-9eE.+\-truefalsn]/.test(ch)) return false;
  }
  return open.length > 0;
}

describe("structured output (tiny random llama3)", () => {
  let server, openai, ollama;
  const check = validator();
  before(async () => {
    server = await startServer(model, ["-c", "2048", "--parallel", "2", "-t", "1"]);
    openai = new OpenAI({ baseURL: server.url + "/v1", apiKey: "unused", maxRetries: 0 });
    ollama = new Ollama({ host: server.url });
  });
  after(async () => {
    const status = await server.stop();
    assert.equal(status.code, 0);
  });

  test(`every answer validates against its schema (${Object.keys(schemas).length} schemas, OpenAI json_schema)`, async () => {
    const seeds = sanitized ? [1] : [1, 2];
    for (const [name, schema] of Object.entries(schemas)) {
      for (const seed of seeds) {
        const r = await openai.chat.completions.create({
          model: "tiny-llama3-q4_0", messages: [{ role: "user", content: `Give me ${name} as JSON.` }],
          temperature: 1, seed, max_tokens: 1500,
          response_format: { type: "json_schema", json_schema: { name, schema, strict: true } },
        });
        const c = r.choices[0];
        assert.equal(c.finish_reason, "stop", `${name} seed ${seed} did not finish: ${c.message.content}`);
        let value;
        assert.doesNotThrow(() => { value = JSON.parse(c.message.content); }, `${name}: ${c.message.content}`);
        assert.equal(check(schema, value), "", `${name} seed ${seed}: ${c.message.content}`);
        if (formatChecks[name]) assert.ok(formatChecks[name](value), `${name}: ${c.message.content}`);
      }
    }
  });

  // Any JSON object has strings and member lists of any length, which a random model rarely
  // closes: a cut answer must still be a valid beginning of a JSON object.
  test("json_object gives (the beginning of) a JSON object, streamed the same as not", async () => {
    const request = { model: "tiny-llama3-q4_0", messages: [{ role: "user", content: "JSON please" }], temperature: 1, seed: 5,
                      max_tokens: 300, response_format: { type: "json_object" } };
    const whole = await openai.chat.completions.create(request);
    const content = whole.choices[0].message.content;
    if (whole.choices[0].finish_reason === "stop") {
      const value = JSON.parse(content);
      assert.ok(value !== null && typeof value === "object" && !Array.isArray(value), content);
    } else {
      assert.equal(whole.choices[0].finish_reason, "length");
      assert.ok(isJsonObjectPrefix(content), content);
    }
    let text = "";
    for await (const chunk of await openai.chat.completions.create({ ...request, stream: true })) text += chunk.choices[0]?.delta?.content ?? "";
    assert.equal(text, content);
  });

  test("a cut answer says finish_reason length", async () => {
    const r = await openai.chat.completions.create({
      model: "tiny-llama3-q4_0", messages: [{ role: "user", content: "x" }], temperature: 1, seed: 1, max_tokens: 2,
      response_format: { type: "json_schema", json_schema: { name: "n", schema: schemas.nested } },
    });
    assert.equal(r.choices[0].finish_reason, "length");
  });

  test("ollama format: \"json\" and a schema", async () => {
    const json = await ollama.chat({ model: "tiny-llama3-q4_0", messages: [{ role: "user", content: "json" }], format: "json",
                                     stream: false, options: { temperature: 1, seed: 2, num_predict: 300 } });
    assert.ok(json.done_reason === "stop" ? typeof JSON.parse(json.message.content) === "object" : isJsonObjectPrefix(json.message.content),
              json.message.content);
    for (const name of ["flat", "enums", "arrayBounds", "recursive"]) {
      const r = await ollama.generate({ model: "tiny-llama3-q4_0", prompt: "Answer in JSON.", format: schemas[name], stream: false,
                                        options: { temperature: 1, seed: 7, num_predict: 1500 } });
      assert.equal(r.done_reason, "stop", `${name}: ${r.response}`);
      assert.equal(check(schemas[name], JSON.parse(r.response)), "", `${name}: ${r.response}`);
    }
  });

  test("a schema hearth cannot honour is a 400 naming the keyword", async () => {
    await assert.rejects(
      openai.chat.completions.create({
        model: "tiny-llama3-q4_0", messages: [{ role: "user", content: "x" }],
        response_format: { type: "json_schema", json_schema: { name: "bad", schema: { type: "object", patternProperties: { "^a": {} } } } },
      }),
      (e) => e.status === 400 && /patternProperties/.test(e.message));
  });
});
