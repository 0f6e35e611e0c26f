#!/usr/bin/env node
// An independent client against a running Viva server: the unmodified openai-agents-js WebRTC
// transport (`OpenAIRealtimeWebRTC` from @openai/agents-realtime) in headless Chromium, on a page
// served from a second loopback port (another origin than Viva's), pointed at Viva by its
// `baseUrl` option only, with an `ek_…` client secret as its `apiKey`.
//
//   VIVA_URL=http://127.0.0.1:8080 VIVA_CLIENT_SECRET=ek_… VIVA_WAV=/abs/mic.wav node agents.mjs
//
// Environment:
//   VIVA_URL            base URL of the server (required)
//   VIVA_CLIENT_SECRET  an ek_… client secret (required)
//   VIVA_WAV            WAV file (48 or 16 kHz mono) played in a loop as the microphone (required)
//   VIVA_TIMEOUT_MS     overall limit, default 45000; the script never runs longer (+ a few s to close)
//   VIVA_SCREENSHOT     write a PNG of the page there (at the end, or at the failure)
//   VIVA_BUNDLE_DIR     where esbuild writes the page's bundle, default a fresh temporary directory
//   CHROMIUM            browser binary, default /usr/bin/chromium (Debian's package)
//
// The package is bundled with esbuild at run time (never committed). The page connects the
// transport, sends `response.create` (through the transport's sendEvent) for the interviewer's
// first turn, then waits until (a) the transport reports `connected`, (b) getStats() on its
// RTCPeerConnection shows inbound audio with packetsReceived > 50 and totalAudioEnergy > 0,
// (c) a `response.output_audio_transcript.done` event arrived through the transport's events.
// Then it closes the transport and checks that it is disconnected and its peer connection
// closed. The summary also lists every client event the transport sent on the data channel
// (`sent`), the `error` events it received, and the server event types the package's own
// schemas did not recognise (`genericEvents`). Prints one JSON line on stdout; exit 0 when ok,
// 1 otherwise (the page's console lines go to stderr and into the JSON as "console").

import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { Failure, launchChromium, withTimeout } from "./harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const env = process.env;
const vivaUrl = (env.VIVA_URL || "").replace(/\/+$/, "");
const clientSecret = env.VIVA_CLIENT_SECRET || "";
const wav = env.VIVA_WAV ? path.resolve(env.VIVA_WAV) : "";
const timeoutMs = Number(env.VIVA_TIMEOUT_MS || 45000);
const screenshotPath = env.VIVA_SCREENSHOT || "";
const chromiumPath = env.CHROMIUM || "/usr/bin/chromium";

const MIN_PACKETS = 50;
const POLL_MS = 250;
const CLOSE_LIMIT_MS = 5000;
const END_RESERVE_MS = Math.min(3000, timeoutMs / 10); // kept for closing at the end

const started = Date.now();
const deadline = started + timeoutMs;
const summary = {
  ok: false,
  client: "@openai/agents-realtime OpenAIRealtimeWebRTC",
  pageOrigin: null,
  baseUrl: null,
  status: null,
  connected: false,
  callId: null,
  packetsReceived: 0,
  totalAudioEnergy: 0,
  transcripts: [],
  eventCounts: {},
  genericEvents: [],
  errors: [],
  sent: [],
  closed: false,
};
const consoleLines = [];
let browser = null;
let page = null;
let pageServer = null;
let bundleDir = null;
let ownBundleDir = false;
let finished = false;

const remaining = () => Math.max(1, deadline - Date.now());

async function finish(ok, reason) {
  if (finished) return;
  finished = true;
  summary.ok = ok;
  if (!ok) summary.reason = reason;
  if (screenshotPath && page) {
    await withTimeout(page.screenshot({ path: screenshotPath, fullPage: true }), 5000, "screenshot").catch(
      (e) => consoleLines.push(`(screenshot failed: ${e.message})`),
    );
  }
  if (browser) await withTimeout(browser.close(), CLOSE_LIMIT_MS, "closing the browser").catch(() => {});
  if (pageServer) pageServer.close();
  if (ownBundleDir && bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  summary.elapsedMs = Date.now() - started;
  if (!ok) {
    summary.console = consoleLines;
    for (const line of consoleLines) process.stderr.write(`[page] ${line}\n`);
  }
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exit(ok ? 0 : 1);
}

// The hard stop: whatever hangs, the script ends.
const hardStop = setTimeout(() => {
  finish(false, `overall timeout of ${timeoutMs} ms reached`);
  setTimeout(() => process.exit(1), CLOSE_LIMIT_MS + 6000).unref();
}, timeoutMs);

/** Bundles the package's transport (and its own event parser, to tell what it recognises). */
async function bundle() {
  const pkg = path.join(here, "node_modules/@openai/agents-realtime");
  if (!existsSync(pkg)) throw new Failure("run `npm ci` in tests/browser first (@openai/agents-realtime is missing)");
  bundleDir = env.VIVA_BUNDLE_DIR || mkdtempSync(path.join(os.tmpdir(), "viva-agents-"));
  ownBundleDir = !env.VIVA_BUNDLE_DIR;
  const events = path.join(pkg, "dist/openaiRealtimeEvents.mjs");
  const outfile = path.join(bundleDir, "agents.js");
  await esbuild.build({
    stdin: {
      contents: [
        `export { OpenAIRealtimeWebRTC } from "@openai/agents-realtime";`,
        `export { parseRealtimeEvent } from ${JSON.stringify(events)};`,
      ].join("\n"),
      resolveDir: here,
      sourcefile: "agents-entry.js",
    },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    outfile,
    logLevel: "silent",
  });
  return readFileSync(outfile);
}

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>agents-js against Viva</title></head>
<body><h1>agents-js WebRTC transport</h1><pre id="log"></pre>
<script type="module">
import { OpenAIRealtimeWebRTC, parseRealtimeEvent } from "/agents.js";
const t = window.agentsTest = { events: [], generic: [], errors: [], sent: [], transcripts: [], transport: null, connectError: null, connected: false };
const log = (line) => { document.getElementById("log").textContent += line + "\\n"; };
// Record what the transport sends, without touching it: a spy on the data channel's send.
const send = RTCDataChannel.prototype.send;
RTCDataChannel.prototype.send = function (data) {
  try { t.sent.push(JSON.parse(data)); } catch { t.sent.push(String(data)); }
  return send.call(this, data);
};
window.startCall = async (baseUrl, apiKey) => {
  const transport = new OpenAIRealtimeWebRTC({ baseUrl });
  t.transport = transport;
  transport.on("*", (event) => {
    t.events.push(event.type);
    const { isGeneric } = parseRealtimeEvent({ data: JSON.stringify(event) });
    if (isGeneric && !t.generic.includes(event.type)) t.generic.push(event.type);
    if (event.type === "error") t.errors.push(event);
    log(event.type);
  });
  transport.on("response.output_audio_transcript.done", (event) => t.transcripts.push(event.transcript));
  transport.on("error", (error) => log("transport error: " + JSON.stringify(error?.error ?? String(error))));
  try {
    await transport.connect({ apiKey });
    t.connected = true;
    // As with OpenAI, the model speaks first only when asked: the app's usual response.create.
    transport.sendEvent({ type: "response.create" });
  } catch (error) {
    t.connectError = String(error && (error.message || error));
  }
};
</script></body></html>`;

/** Serves the page and the bundle on a loopback port of its own: another origin than Viva's. */
function servePage(bundleJs) {
  return new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      const url = new URL(req.url, "http://x");
      if (url.pathname === "/") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(PAGE);
      } else if (url.pathname === "/agents.js") {
        res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" });
        res.end(bundleJs);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

async function observe() {
  const snap = await page.evaluate(async () => {
    const t = window.agentsTest;
    const state = t.transport ? t.transport.connectionState : {};
    const pc = state.peerConnection;
    let packets = 0;
    let energy = 0;
    if (pc && pc.connectionState !== "closed") {
      const stats = await pc.getStats();
      stats.forEach((r) => {
        if (r.type === "inbound-rtp" && (r.kind || r.mediaType) === "audio") {
          packets += r.packetsReceived || 0;
          energy += r.totalAudioEnergy || 0;
        }
      });
    }
    return {
      status: t.transport ? t.transport.status : null,
      callId: t.transport ? t.transport.callId || null : null,
      connected: t.connected,
      connectError: t.connectError,
      events: t.events.slice(),
      generic: t.generic.slice(),
      errors: t.errors.slice(),
      sent: t.sent.slice(),
      transcripts: t.transcripts.slice(),
      packets,
      energy,
    };
  });
  summary.status = snap.status;
  summary.connected = snap.connected;
  if (snap.callId) summary.callId = snap.callId;
  summary.eventCounts = {};
  for (const type of snap.events) summary.eventCounts[type] = (summary.eventCounts[type] || 0) + 1;
  summary.genericEvents = snap.generic;
  summary.errors = snap.errors;
  summary.sent = snap.sent;
  summary.transcripts = snap.transcripts;
  if (snap.status === "connected") {
    summary.packetsReceived = snap.packets;
    summary.totalAudioEnergy = snap.energy;
  }
  if (snap.connectError) summary.connectError = snap.connectError;
  return snap;
}

function missing(snap) {
  const out = [];
  if (!snap.connected) out.push("connect() resolved");
  if (!(snap.packets > MIN_PACKETS)) out.push(`inbound audio packets > ${MIN_PACKETS} (have ${snap.packets})`);
  if (!(snap.energy > 0)) out.push("inbound totalAudioEnergy > 0");
  if (snap.transcripts.length < 1) out.push("a response.output_audio_transcript.done event");
  return out;
}

async function main() {
  if (!vivaUrl) throw new Failure("VIVA_URL is not set");
  if (!clientSecret.startsWith("ek_")) throw new Failure("VIVA_CLIENT_SECRET is not set to an ek_… secret");
  if (!wav || !existsSync(wav)) throw new Failure(`VIVA_WAV is not set or not a file: ${env.VIVA_WAV || ""}`);
  if (!existsSync(chromiumPath)) throw new Failure(`no Chromium at ${chromiumPath} (apt-get install chromium)`);

  const bundleJs = await withTimeout(bundle(), Math.min(remaining(), 20000), "bundling with esbuild");
  pageServer = await servePage(bundleJs);
  const pageOrigin = `http://127.0.0.1:${pageServer.address().port}`;
  summary.pageOrigin = pageOrigin;
  summary.baseUrl = `${vivaUrl}/v1/realtime/calls`;
  if (new URL(pageOrigin).origin === new URL(vivaUrl).origin) throw new Failure("the page must be on another origin than Viva");

  browser = await withTimeout(
    launchChromium(chromiumPath, wav),
    Math.min(remaining(), 20000),
    "launching Chromium",
  );
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  page = await context.newPage();
  page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => consoleLines.push(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => consoleLines.push(`requestfailed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  page.setDefaultTimeout(Math.min(remaining(), 15000));

  const res = await page.goto(`${pageOrigin}/`, { waitUntil: "load", timeout: Math.min(remaining(), 15000) });
  if (!res || !res.ok()) throw new Failure(`GET ${pageOrigin}/ answered ${res ? res.status() : "nothing"}`);
  await page.waitForFunction(() => typeof window.startCall === "function", null, { timeout: 10000 });
  await page.evaluate(([baseUrl, apiKey]) => void window.startCall(baseUrl, apiKey), [summary.baseUrl, clientSecret]);

  for (;;) {
    const snap = await observe();
    if (snap.connectError) throw new Failure(`connect() failed: ${snap.connectError}`);
    if (snap.connected && snap.status !== "connected") throw new Failure(`the transport left the connected state: ${snap.status}`);
    const left = missing(snap);
    if (left.length === 0) break;
    if (Date.now() + POLL_MS >= deadline - END_RESERVE_MS) throw new Failure(`timed out waiting for: ${left.join(", ")}`);
    await page.waitForTimeout(POLL_MS);
  }

  if (screenshotPath) await page.screenshot({ path: screenshotPath, fullPage: true });

  const closed = await page.evaluate(() => {
    const t = window.agentsTest;
    const pc = t.transport.connectionState.peerConnection;
    t.transport.close();
    return { status: t.transport.status, pcState: pc ? pc.connectionState : null };
  });
  summary.status = closed.status;
  summary.closed = closed.status === "disconnected" && closed.pcState === "closed";
  if (!summary.closed) throw new Failure(`close() left status ${closed.status}, peer connection ${closed.pcState}`);
}

main()
  .then(() => {
    clearTimeout(hardStop);
    page = null; // the screenshot was taken before closing
    return finish(true);
  })
  .catch(async (err) => {
    clearTimeout(hardStop);
    if (page && !finished) await withTimeout(observe(), 3000, "last look").catch(() => {});
    // Playwright's messages carry a colored multi-line call log: keep the first line, plain.
    const message = String(err && err.message).replace(/\u001b\[[0-9;]*m/g, "").split("\n")[0];
    return finish(false, err instanceof Failure ? message : `${err.name}: ${message}`);
  });
