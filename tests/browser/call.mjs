#!/usr/bin/env node
// End-to-end check of one candidate call in headless Chromium against a running Viva server.
//
//   VIVA_URL=http://127.0.0.1:8080 VIVA_WAV=/abs/answer.wav node call.mjs
//   VIVA_PAGE_URL='http://127.0.0.1:8080/embed/ai-interview/ID/?access=JWT' VIVA_WAV=… node call.mjs
//
// Environment:
//   VIVA_URL         base URL of the server (required unless VIVA_PAGE_URL is set)
//   VIVA_PAGE_URL    open this page instead (e.g. the partner API's interview_url, the embed
//                    page); VIVA_RELAY and VIVA_ICE are added to its query; VIVA_JOIN_TOKEN is ignored
//   VIVA_WAV         WAV file (48 or 16 kHz mono) played in a loop as the microphone (required)
//   VIVA_JOIN_TOKEN  open /join?token=… instead of / (which uses a demo client secret)
//   VIVA_RELAY       "1": open the page with ?relay=1 (relay-only ICE through the server's TURN)
//   VIVA_ICE         "tcp": open the page with ?ice=tcp (UDP candidates dropped both ways: ICE-TCP only)
//   VIVA_TIMEOUT_MS  overall limit, default 45000; the script never runs longer (+ a few s to close)
//   VIVA_SCREENSHOT  write a PNG of the page there (after the checks, or at the failure)
//   CHROMIUM         browser binary, default /usr/bin/chromium (Debian's package)
//
// Clicks start, waits for the call to connect, then until (a) speech_started and speech_stopped
// arrived, (b) a final interviewer transcript line is visible in the DOM, (c) getStats() shows
// inbound audio with packetsReceived > 50 and totalAudioEnergy > 0. Then clicks end and waits
// for state "ended". The summary also reports the selected ICE candidate pair's local and remote
// candidate types from getStats() ("host", "srflx", "prflx", "relay") and protocols ("udp", "tcp"). Prints one JSON line on stdout; exit 0 when ok, 1 otherwise (the page's
// console lines go to stderr and into the JSON as "console").

import { existsSync } from "node:fs";
import path from "node:path";
import { Failure, launchChromium, withTimeout } from "./harness.mjs";

const env = process.env;
const baseUrl = (env.VIVA_URL || "").replace(/\/+$/, "");
const wav = env.VIVA_WAV ? path.resolve(env.VIVA_WAV) : "";
const pageUrl = env.VIVA_PAGE_URL || "";
const joinToken = env.VIVA_JOIN_TOKEN || "";
const relay = env.VIVA_RELAY === "1";
const ice = env.VIVA_ICE || "";
const timeoutMs = Number(env.VIVA_TIMEOUT_MS || 45000);
const screenshotPath = env.VIVA_SCREENSHOT || "";
const chromiumPath = env.CHROMIUM || "/usr/bin/chromium";

const MIN_PACKETS = 50;
const POLL_MS = 250;
const CLOSE_LIMIT_MS = 5000;
const END_RESERVE_MS = Math.min(3000, timeoutMs / 10); // kept for hanging up at the end

const started = Date.now();
const deadline = started + timeoutMs;
const summary = {
  ok: false,
  speechStarted: 0,
  speechStopped: 0,
  interviewerLines: [],
  packetsReceived: 0,
  totalAudioEnergy: 0,
  relay,
  ice,
  page: null,
  iceTransportPolicy: null,
  iceServers: 0,
  localCandidateType: null,
  remoteCandidateType: null,
  localProtocol: null,
  remoteProtocol: null,
  relayProtocol: null,
  errors: [],
};
const consoleLines = [];
let browser = null;
let page = null;
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

/** One look at the page: counters from window.viva, inbound audio stats, visible interviewer lines. */
async function observe() {
  const snap = await page.evaluate(async (minPackets) => {
    const v = window.viva;
    const count = (type) => v.events.filter((e) => e.type === type).length;
    let packets = 0;
    let energy = 0;
    let pair = null;
    if (v.pc && v.pc.connectionState !== "closed") {
      const stats = await v.pc.getStats();
      let selectedId = null;
      stats.forEach((r) => {
        if (r.type === "inbound-rtp" && (r.kind || r.mediaType) === "audio") {
          packets += r.packetsReceived || 0;
          energy += r.totalAudioEnergy || 0;
        }
        if (r.type === "transport" && r.selectedCandidatePairId) selectedId = r.selectedCandidatePairId;
      });
      let selected = selectedId ? stats.get(selectedId) : null;
      if (!selected) {
        stats.forEach((r) => {
          if (!selected && r.type === "candidate-pair" && r.nominated && r.state === "succeeded") selected = r;
        });
      }
      if (selected) {
        const local = stats.get(selected.localCandidateId) || {};
        const remote = stats.get(selected.remoteCandidateId) || {};
        pair = {
          local: local.candidateType || null,
          remote: remote.candidateType || null,
          localProtocol: local.protocol || null,
          remoteProtocol: remote.protocol || null,
          relayProtocol: local.relayProtocol || null,
        };
      }
    }
    return {
      state: v.state,
      callId: v.callId,
      speechStarted: count("input_audio_buffer.speech_started"),
      speechStopped: count("input_audio_buffer.speech_stopped"),
      errors: v.errors.slice(),
      packets,
      energy,
      pair,
      iceTransportPolicy: v.iceTransportPolicy,
      iceServers: v.iceServers,
      minPackets,
    };
  }, MIN_PACKETS);
  const lines = page.locator(
    '[data-testid="transcript"] [data-testid="transcript-line"][data-role="interviewer"][data-final="true"] .line-text',
  );
  const visible = [];
  for (let i = 0, n = await lines.count(); i < n; i++) {
    const line = lines.nth(i);
    if (!(await line.isVisible())) continue;
    const text = (await line.innerText()).trim();
    if (text) visible.push(text);
  }
  summary.speechStarted = snap.speechStarted;
  summary.speechStopped = snap.speechStopped;
  summary.interviewerLines = visible;
  summary.packetsReceived = snap.packets;
  summary.totalAudioEnergy = snap.energy;
  summary.errors = snap.errors;
  summary.callId = snap.callId;
  summary.state = snap.state;
  summary.iceTransportPolicy = snap.iceTransportPolicy;
  summary.iceServers = snap.iceServers;
  if (snap.pair) {
    summary.localCandidateType = snap.pair.local;
    summary.remoteCandidateType = snap.pair.remote;
    summary.localProtocol = snap.pair.localProtocol;
    summary.remoteProtocol = snap.pair.remoteProtocol;
    summary.relayProtocol = snap.pair.relayProtocol;
  }
  return snap;
}

function missing(snap) {
  const out = [];
  if (snap.speechStarted < 1) out.push("input_audio_buffer.speech_started");
  if (snap.speechStopped < 1) out.push("input_audio_buffer.speech_stopped");
  if (summary.interviewerLines.length < 1) out.push("a visible final interviewer transcript line");
  if (!(snap.packets > MIN_PACKETS)) out.push(`inbound audio packets > ${MIN_PACKETS} (have ${snap.packets})`);
  if (!(snap.energy > 0)) out.push("inbound totalAudioEnergy > 0");
  return out;
}

/** VIVA_PAGE_URL with the diagnostic parameters, else `/join?token=…` or `/` of VIVA_URL. */
function pageToOpen() {
  if (pageUrl) {
    const url = new URL(pageUrl);
    if (relay) url.searchParams.set("relay", "1");
    if (ice) url.searchParams.set("ice", ice);
    return url.toString();
  }
  const params = new URLSearchParams();
  if (joinToken) params.set("token", joinToken);
  if (relay) params.set("relay", "1");
  if (ice) params.set("ice", ice);
  const query = params.toString() ? `?${params}` : "";
  return joinToken ? `${baseUrl}/join${query}` : `${baseUrl}/${query}`;
}

async function main() {
  if (!baseUrl && !pageUrl) throw new Failure("neither VIVA_URL nor VIVA_PAGE_URL is set");
  if (!wav || !existsSync(wav)) throw new Failure(`VIVA_WAV is not set or not a file: ${env.VIVA_WAV || ""}`);
  if (!existsSync(chromiumPath)) throw new Failure(`no Chromium at ${chromiumPath} (apt-get install chromium)`);

  browser = await withTimeout(
    launchChromium(chromiumPath, wav),
    Math.min(remaining(), 20000),
    "launching Chromium",
  );
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => consoleLines.push(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => consoleLines.push(`requestfailed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  page.setDefaultTimeout(Math.min(remaining(), 15000));

  const url = pageToOpen();
  // The path only: a page's query may carry a token.
  summary.page = new URL(url).pathname;
  const res = await page.goto(url, { waitUntil: "load", timeout: Math.min(remaining(), 15000) });
  if (!res || !res.ok()) throw new Failure(`GET ${summary.page} answered ${res ? res.status() : "nothing"}`);
  await page.waitForFunction(() => window.viva && window.viva.state === "idle", null, { timeout: 5000 });

  await page.click('[data-testid="start-button"]');
  await page
    .waitForFunction(() => ["connected", "failed", "ended"].includes(window.viva.state), null, {
      timeout: remaining(),
      polling: 100,
    })
    .catch(() => {});
  let snap = await observe();
  if (snap.state !== "connected") {
    const why = snap.errors.map((e) => `${e.code}: ${e.message}`).join("; ");
    throw new Failure(`the call did not connect (state ${snap.state}${why ? `; ${why}` : ""})`);
  }

  for (;;) {
    snap = await observe();
    if (snap.state !== "connected") throw new Failure(`the call left the connected state: ${snap.state}`);
    const left = missing(snap);
    if (left.length === 0) break;
    if (Date.now() + POLL_MS >= deadline - END_RESERVE_MS) throw new Failure(`timed out waiting for: ${left.join(", ")}`);
    await page.waitForTimeout(POLL_MS);
  }

  if (screenshotPath) await page.screenshot({ path: screenshotPath, fullPage: true });

  await page.click('[data-testid="end-button"]');
  await page
    .waitForFunction(() => window.viva.state === "ended", null, { timeout: Math.min(remaining(), 10000), polling: 100 })
    .catch(() => {
      throw new Failure("the call did not reach state ended after clicking end");
    });
  summary.state = "ended";
}

main()
  .then(() => {
    clearTimeout(hardStop);
    // The screenshot was taken before hanging up; don't overwrite it with the ended page.
    page = null;
    return finish(true);
  })
  .catch(async (err) => {
    clearTimeout(hardStop);
    if (page && !finished) await withTimeout(observe(), 3000, "last look").catch(() => {});
    // Playwright's messages carry a colored multi-line call log: keep the first line, plain.
    const message = String(err && err.message).replace(/\u001b\[[0-9;]*m/g, "").split("\n")[0];
    return finish(false, err instanceof Failure ? message : `${err.name}: ${message}`);
  });
