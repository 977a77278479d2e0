// Shared set-up for the server's integration tests: where the binary, the models and the npm
// clients are (from the environment ctest sets), skipping with exit status 77 and the missing
// path when one is absent, and starting/stopping `hearth serve` on a free loopback port.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

export const SKIP = 77;
export const bin = process.env.HEARTH_BIN || "";
export const sharedDir = process.env.HEARTH_SHARED_DIR || "";
export const nodeModules = process.env.HEARTH_NODE_MODULES || "";
export const outDir = process.env.HEARTH_TEST_OUT || "";
// Under ASan the binary is several times slower and its allocator keeps freed memory in a
// quarantine, so memory checks are reported there, not asserted.
export const sanitized = process.env.HEARTH_SANITIZED === "1";

export function modelPath(name) { return path.join(sharedDir, "models", name); }

// Exits with SKIP (ctest SKIP_RETURN_CODE) naming what is missing.
export function requireFiles(...files) {
  for (const f of [bin, nodeModules, ...files]) {
    if (!f || !existsSync(f)) {
      console.log(`SKIP: missing ${f || "(path not set)"}` +
        (f === nodeModules ? " (scripts/test.sh installs the npm clients there)" : ""));
      process.exit(SKIP);
    }
  }
}

// An npm package from the test folder (ESM imports do not search NODE_PATH).
export async function load(name) {
  const require = createRequire(path.join(nodeModules, "noop.js"));
  return import(pathToFileURL(require.resolve(name)).href);
}

// Starts `hearth serve -m model --port 0 ...args` and resolves once it listens.
export async function startServer(model, args = []) {
  const proc = spawn(bin, ["serve", "-m", model, "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const out = { stdout: "", stderr: "" };
  proc.stdout.on("data", (d) => { out.stdout += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start:\n" + out.stderr)), 120000);
    proc.stderr.on("data", (d) => {
      out.stderr += d;
      const m = /listening on (http:\/\/[^/\s]+)\//.exec(out.stderr);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on("exit", (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${out.stderr}`)); });
  });
  const exited = new Promise((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));
  return {
    url, proc, out,
    // SIGTERM; resolves with the exit status and how long the server took to exit.
    async stop(signal = "SIGTERM") {
      const t0 = performance.now();
      proc.kill(signal);
      const status = await exited;
      return { ...status, ms: performance.now() - t0 };
    },
    rssKiB() {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, "utf8"));
      return m ? Number(m[1]) : NaN;
    },
  };
}

export async function getJson(url, init) {
  const r = await fetch(url, init);
  return { status: r.status, body: await r.json() };
}

export function postJson(url, body, headers = {}) {
  return getJson(url, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
}

// Polls /health until no slot is busy and nothing waits (the engine has let every job go).
export async function waitIdle(url, timeoutMs = 20000) {
  const t0 = Date.now();
  for (;;) {
    const { body } = await getJson(url + "/health");
    if (body.slots_busy === 0 && body.queued === 0) return body;
    if (Date.now() - t0 > timeoutMs) throw new Error("server not idle: " + JSON.stringify(body));
    await new Promise((r) => setTimeout(r, 50));
  }
}
