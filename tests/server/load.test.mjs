// Load on loopback: 16 concurrent clients x 5 requests, mixing streamed chat, plain completions
// and streams the client abandons after two chunks. Every request must complete or get a clean
// 503, the server must stay up and go idle, and its RSS must come back to the idle level (+-5%).
// Prints p50/p95 time to first token and per-token latency (bench/README.md quotes them).
import assert from "node:assert/strict";
import { test } from "node:test";

import { modelPath, requireFiles, sanitized, startServer, waitIdle, getJson } from "./harness.mjs";

const stories = modelPath("stories260K.gguf");
requireFiles(stories);

const CLIENTS = 16, REQUESTS = 5, MAX_TOKENS = 48;

function percentile(values, p) {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// One streamed chat; abortAfter: chunks to read before hanging up (0 = read to the end).
async function streamed(url, seed, abortAfter) {
  const controller = new AbortController();
  const t0 = performance.now();
  const r = await fetch(url + "/v1/chat/completions", {
    method: "POST", headers: { "Content-Type": "application/json" }, signal: controller.signal,
    body: JSON.stringify({ messages: [{ role: "user", content: "Once upon a time" }], max_tokens: MAX_TOKENS, seed,
                           stream: true, stream_options: { include_usage: true } }),
  });
  if (r.status !== 200) return { status: r.status, body: await r.json() };
  const reader = r.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "", first = 0, last = 0, chunks = 0, usage = null, done = false;
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const data = buffer.slice(6, cut);
      buffer = buffer.slice(cut + 2);
      if (data === "[DONE]") { done = true; continue; }
      const chunk = JSON.parse(data);
      if (chunk.usage) usage = chunk.usage;
      if (chunk.choices[0]?.delta?.content) {
        last = performance.now();
        if (!first) first = last;
        chunks++;
      }
    }
    if (abortAfter && chunks >= abortAfter) {
      controller.abort();
      return { status: 200, aborted: true };
    }
  }
  return { status: 200, done, ttft: first - t0, tokens: usage?.completion_tokens ?? 0, decodeMs: last - first };
}

async function plain(url, seed) {
  const r = await fetch(url + "/v1/completions", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ prompt: "Lily and Tom", max_tokens: MAX_TOKENS, seed }),
  });
  const body = await r.json();
  return { status: r.status, body, done: r.status === 200 && typeof body.choices?.[0]?.text === "string" };
}

async function round(url) {
  const results = [];
  await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
    for (let i = 0; i < REQUESTS; i++) {
      const kind = (c + i) % 3;
      const seed = c * 100 + i;
      try {
        results.push({ kind, ...(kind === 0 ? await streamed(url, seed, 0) : kind === 1 ? await plain(url, seed) : await streamed(url, seed, 2)) });
      } catch (e) {
        if (e.name === "AbortError") results.push({ kind, status: 200, aborted: true });
        else results.push({ kind, status: 0, error: String(e), cause: String(e.cause?.code ?? e.cause ?? "") });
      }
    }
  }));
  return results;
}

test("16 clients x 5 mixed requests: complete or clean 503, server up, RSS back to idle", { timeout: 240000 }, async () => {
  const server = await startServer(stories, ["-c", "256", "--parallel", "4", "--queue", "8", "-t", "2"]);
  try {
    // Two first rounds bring every lazily created buffer, thread stack and malloc arena (httplib
    // hands connections to any of its threads) to its working size.
    await round(server.url);
    await round(server.url);
    await waitIdle(server.url);
    const idle = server.rssKiB();
    const t0 = performance.now();
    const results = await round(server.url);
    const seconds = (performance.now() - t0) / 1000;
    await waitIdle(server.url);
    await new Promise((r) => setTimeout(r, 300));
    const after = server.rssKiB();

    assert.equal(results.length, CLIENTS * REQUESTS);
    let ok = 0, busy = 0, aborted = 0;
    for (const r of results) {
      if (r.status === 503) {
        assert.equal(r.body.error.code, "server_busy", JSON.stringify(r.body));
        busy++;
      } else {
        assert.equal(r.status, 200, JSON.stringify(r));
        if (r.aborted) aborted++;
        else { assert.ok(r.done, JSON.stringify(r)); ok++; }
      }
    }
    assert.ok(ok > 0, "some requests completed");
    const health = await getJson(server.url + "/health");
    assert.equal(health.body.status, "ok");
    assert.equal(health.body.slots_busy, 0);

    const streams = results.filter((r) => r.ttft !== undefined && r.tokens > 1);
    const ttft = streams.map((r) => r.ttft);
    const perToken = streams.map((r) => r.decodeMs / (r.tokens - 1));
    const change = (after - idle) / idle;
    console.log(`load: ${results.length} requests in ${seconds.toFixed(1)} s: ${ok} complete, ${busy} x 503, ${aborted} abandoned by the client`);
    console.log(`load: time to first token p50 ${percentile(ttft, 50).toFixed(1)} ms, p95 ${percentile(ttft, 95).toFixed(1)} ms ` +
                `(${ttft.length} streams); per-token latency p50 ${percentile(perToken, 50).toFixed(2)} ms, p95 ${percentile(perToken, 95).toFixed(2)} ms`);
    console.log(`load: RSS idle ${idle} KiB, after the load ${after} KiB (${(100 * change).toFixed(1)} %)`);
    if (sanitized) console.log("load: RSS not checked under ASan (its quarantine keeps freed memory)");
    else assert.ok(Math.abs(change) <= 0.05, `RSS ${idle} -> ${after} KiB`);
  } finally {
    const status = await server.stop();
    assert.equal(status.code, 0);
  }
});
