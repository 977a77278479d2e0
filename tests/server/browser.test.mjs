// The chat page in real headless Chromium (Debian's `chromium` through puppeteer-core): type a
// message, watch the answer stream in piece by piece, stop it with Esc, get a full answer, start
// a new chat. Saves a screenshot (HEARTH_TEST_OUT/chat_page.png) to look at.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

import { load, modelPath, outDir, requireFiles, startServer, waitIdle } from "./harness.mjs";

const stories = modelPath("stories260K.gguf");
const chromium = process.env.HEARTH_CHROMIUM || "/usr/bin/chromium";
requireFiles(stories, chromium);
const { default: puppeteer } = await load("puppeteer-core");

test("chat page: streamed answer, stop, full answer, new chat", { timeout: 180000 }, async () => {
  const server = await startServer(stories, ["-c", "512", "--parallel", "1", "-t", "1"]);
  const browser = await puppeteer.launch({
    executablePath: chromium, headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1100, height: 760 });
    const failed = [];
    page.on("requestfailed", (r) => { if (!r.url().includes("/v1/chat/completions")) failed.push(r.url()); });
    page.on("pageerror", (e) => failed.push(String(e)));
    await page.goto(server.url + "/", { waitUntil: "load" });
    await page.waitForFunction(() => document.getElementById("model-name").textContent === "stories260K");
    assert.match(await page.$eval("#model-ctx", (e) => e.textContent), /512 tokens context/);

    // Slow the page's network so a streamed answer visibly arrives in many steps.
    await page.emulateNetworkConditions({ download: 6 * 1024, upload: 1 << 20, latency: 0 });
    // Record every length the answer takes while it streams.
    await page.evaluate(() => {
      window.__lengths = [];
      new MutationObserver(() => {
        const answers = document.querySelectorAll(".msg.assistant .text");
        if (answers.length) window.__lengths.push(answers[answers.length - 1].textContent.length);
      }).observe(document.getElementById("log"), { childList: true, subtree: true, characterData: true });
    });
    await page.$eval("#max-tokens", (e) => { e.value = "400"; });
    await page.focus("#prompt");
    await page.keyboard.type("Once upon a time");
    await page.keyboard.press("Enter");
    // Several growing lengths: the answer is rendered as it arrives, not at the end.
    await page.waitForFunction(() => new Set(window.__lengths.filter((n) => n > 0)).size >= 4, { timeout: 60000 });
    assert.equal(await page.$eval("#stop", (e) => e.hidden), false, "stop button shown while streaming");
    await page.keyboard.press("Escape");
    await page.waitForFunction(() => !document.getElementById("send").hidden);
    const stoppedText = await page.$eval(".msg.assistant .text", (e) => e.textContent);
    assert.match(await page.$eval(".msg.assistant .stats", (e) => e.textContent), /stopped/);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(await page.$eval(".msg.assistant .text", (e) => e.textContent), stoppedText, "nothing arrives after stop");
    await waitIdle(server.url);  // the server cancelled the job and freed the slot

    // A full answer at full speed, with its token rate.
    await page.emulateNetworkConditions({ download: -1, upload: -1, latency: 0 });
    await page.$eval("#max-tokens", (e) => { e.value = "120"; });
    await page.focus("#prompt");
    await page.keyboard.type("Tell me about a dog");
    await page.keyboard.down("Shift");
    await page.keyboard.press("Enter");  // Shift+Enter: a new line, not a send
    await page.keyboard.up("Shift");
    await page.keyboard.type("named Max.");
    assert.equal(await page.$eval("#prompt", (e) => e.value), "Tell me about a dog\nnamed Max.");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelectorAll(".msg.assistant .stats").length === 2 &&
                                     /tok\/s/.test(document.querySelectorAll(".msg.assistant .stats")[1].textContent), { timeout: 60000 });
    assert.equal(await page.$$eval(".msg.user", (els) => els.length), 2);
    if (outDir) {
      const file = path.join(outDir, "chat_page.png");
      await page.screenshot({ path: file });
      assert.ok(existsSync(file));
      console.log("screenshot: " + file);
    }

    await page.click("#new-chat");
    assert.equal(await page.$$eval(".msg", (els) => els.length), 0);
    assert.equal(await page.$eval("#empty", (e) => e.hidden), false);
    assert.deepEqual(failed, []);
  } finally {
    await browser.close();
    assert.equal((await server.stop()).code, 0);
  }
});
