#!/usr/bin/env node
// A stand-in for the Viva server, to work on web/ and to check call.mjs without building Rust.
//
//   node mock-server.mjs [--port 8089] [--no-demo] [--calls-error CODE] [--drop-after-ms N]
//
// It serves web/ the way the binary does (/ and /join → index.html, /assets/*.js modules,
// /assets/style.css), answers POST /api/demo/client_secret (403 demo_disabled with --no-demo),
// and answers POST /v1/realtime/calls with a real WebRTC peer: a headless Chromium page that
// plays a synthetic "voice" and runs a scripted interview over the oai-events data channel
// (progress, interviewer transcript deltas, simulated VAD events, one failed and one completed
// candidate transcription, one barge-in). --calls-error makes the calls endpoint fail with one
// of: invalid_sdp, invalid_client_secret, expired_client_secret, body_too_large, too_many_calls.
// --drop-after-ms closes the server side of each call after N ms (an unexpected disconnect).
//
// Prints `listening on http://127.0.0.1:PORT` once ready. Not a test of the Rust server.

import http from "node:http";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = path.resolve(here, "../../web");

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const port = Number(option("--port", process.env.VIVA_MOCK_PORT || 8089));
const demo = !flag("--no-demo");
const callsError = option("--calls-error", null);
const dropAfterMs = Number(option("--drop-after-ms", 0));
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";

const STATIC = {
  "/": ["index.html", "text/html; charset=utf-8"],
  "/join": ["index.html", "text/html; charset=utf-8"],
  "/assets/app.js": ["app.js", "text/javascript; charset=utf-8"],
  "/assets/style.css": ["style.css", "text/css; charset=utf-8"],
};

const ERRORS = {
  invalid_sdp: [400, "The offer is not a valid SDP."],
  invalid_client_secret: [401, "The client secret is not valid."],
  expired_client_secret: [401, "The client secret expired."],
  body_too_large: [413, "The request body is larger than 64 KiB."],
  too_many_calls: [503, "This server is at its call limit."],
  demo_disabled: [403, "Demo client secrets are disabled on this server; use a join link."],
  not_found: [404, "No such route."],
};

function sendError(res, code, headers = {}) {
  const [status, message] = ERRORS[code];
  const type = status >= 500 ? "server_error" : "invalid_request_error";
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify({ error: { type, code, message } }));
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

// ------------------------------------------------------------------ the server-side peer

let peerPage = null;
async function peer() {
  if (peerPage) return peerPage;
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--allow-loopback-in-peer-connection",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
  const page = await browser.newPage();
  page.on("console", (m) => console.error(`[peer] ${m.text()}`));
  await page.goto(`http://127.0.0.1:${server.address().port}/__mock/blank`);
  await page.evaluate(peerMain);
  peerPage = page;
  return page;
}

// Runs inside the peer page.
function peerMain() {
  const calls = new Map();
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const QUESTIONS = [
    "Hello, and thank you for joining. Could you start by telling me a little about yourself and your recent work?",
    "Thanks. Tell me about a project you are proud of, and what your part in it was.",
    "Last question: how do you approach learning a new technology quickly?",
  ];

  window.mockAnswer = async (offer, callId, dropAfterMs) => {
    const pc = new RTCPeerConnection({});
    const ctx = new AudioContext();
    await ctx.resume();
    // A buzzy, syllable-shaped tone stands in for the interviewer's voice.
    const osc = ctx.createOscillator();
    osc.type = "sawtooth";
    osc.frequency.value = 150;
    const filter = ctx.createBiquadFilter();
    filter.type = "lowpass";
    filter.frequency.value = 1400;
    const syllables = ctx.createGain();
    syllables.gain.value = 0.5;
    const lfo = ctx.createOscillator();
    lfo.frequency.value = 4.5;
    const lfoDepth = ctx.createGain();
    lfoDepth.gain.value = 0.5;
    lfo.connect(lfoDepth).connect(syllables.gain);
    const voice = ctx.createGain();
    voice.gain.value = 0;
    const dest = ctx.createMediaStreamDestination();
    osc.connect(filter).connect(syllables).connect(voice).connect(dest);
    osc.start();
    lfo.start();

    const state = { pc, ctx, voice, dc: null, closed: false, turn: 0, item: 0, responses: 0 };
    calls.set(callId, state);
    const send = (ev) => {
      if (state.dc && state.dc.readyState === "open") {
        state.dc.send(JSON.stringify({ event_id: `event_${Math.random().toString(36).slice(2, 10)}`, ...ev }));
      }
    };
    const speak = (on) => voice.gain.setTargetAtTime(on ? 0.35 : 0, ctx.currentTime, 0.02);
    const startedAt = performance.now();
    const ms = () => Math.round(performance.now() - startedAt);

    async function packetsFromCandidate() {
      const stats = await pc.getStats();
      let n = 0;
      stats.forEach((r) => {
        if (r.type === "inbound-rtp" && r.kind === "audio") n = r.packetsReceived || 0;
      });
      return n;
    }

    async function interviewerTurn(q, { bargeIn = false } = {}) {
      const n = ++state.responses;
      const responseId = `resp_${n}`;
      const itemId = `item_assistant_${n}`;
      send({ type: "viva.interview.progress", question_index: q, question_count: QUESTIONS.length });
      send({ type: "response.created", response: { id: responseId, status: "in_progress" } });
      await sleep(400);
      send({ type: "output_audio_buffer.started", response_id: responseId });
      speak(true);
      const words = QUESTIONS[q].split(" ");
      let said = "";
      for (let i = 0; i < words.length && !state.closed; i++) {
        const delta = (i ? " " : "") + words[i];
        said += delta;
        send({ type: "response.output_audio_transcript.delta", response_id: responseId, item_id: itemId, delta });
        await sleep(140);
        if (bargeIn && i === Math.floor(words.length / 2)) {
          const user = `item_user_${++state.item}`;
          send({ type: "input_audio_buffer.speech_started", item_id: user, audio_start_ms: ms() });
          speak(false);
          send({ type: "output_audio_buffer.cleared", response_id: responseId });
          send({ type: "response.output_audio_transcript.done", response_id: responseId, item_id: itemId, transcript: said });
          send({ type: "response.done", response: { id: responseId, status: "cancelled", status_details: { type: "cancelled", reason: "turn_detected" } } });
          await sleep(1200);
          send({ type: "input_audio_buffer.speech_stopped", item_id: user, audio_end_ms: ms() });
          await sleep(300);
          send({ type: "conversation.item.input_audio_transcription.completed", item_id: user, transcript: "Sorry, could you repeat that?" });
          await sleep(600);
          return interviewerTurn(q);
        }
      }
      speak(false);
      send({ type: "response.output_audio_transcript.done", response_id: responseId, item_id: itemId, transcript: QUESTIONS[q] });
      send({ type: "output_audio_buffer.stopped", response_id: responseId });
      send({ type: "response.done", response: { id: responseId, status: "completed" } });
    }

    async function candidateTurn(n) {
      // Wait for the candidate's audio to flow, as a real VAD would need it to.
      for (let i = 0; i < 50 && (await packetsFromCandidate()) === 0; i++) await sleep(100);
      await sleep(700);
      const user = `item_user_${++state.item}`;
      const start = ms();
      send({ type: "input_audio_buffer.speech_started", item_id: user, audio_start_ms: start });
      await sleep(2600);
      send({ type: "input_audio_buffer.speech_stopped", item_id: user, audio_end_ms: ms() });
      send({ type: "input_audio_buffer.committed", item_id: user, previous_item_id: null });
      await sleep(350);
      if (n === 0) {
        send({
          type: "conversation.item.input_audio_transcription.failed",
          item_id: user,
          content_index: 0,
          error: { type: "transcription_error", code: "transcription_unavailable", message: "the local engine does not transcribe speech" },
        });
      } else {
        send({
          type: "conversation.item.input_audio_transcription.completed",
          item_id: user,
          content_index: 0,
          transcript: "I led the rewrite of our billing service, mostly the data migration and the rollout plan.",
        });
      }
    }

    async function interview() {
      for (let q = 0; q < QUESTIONS.length && !state.closed; q++) {
        await interviewerTurn(q, { bargeIn: q === 1 });
        if (q < QUESTIONS.length - 1) await candidateTurn(q);
      }
    }

    pc.ondatachannel = (e) => {
      if (e.channel.label !== "oai-events") return;
      state.dc = e.channel;
      state.dc.onopen = () => send({ type: "session.created", session: { type: "realtime", id: `sess_${callId}` } });
      state.dc.onmessage = (m) => {
        let ev;
        try {
          ev = JSON.parse(m.data);
        } catch {
          return send({ type: "error", error: { type: "invalid_request_error", code: "invalid_json", message: "not JSON" } });
        }
        if (ev.type === "response.create" && state.turn++ === 0) interview();
        else if (ev.type !== "response.create") {
          send({ type: "error", error: { type: "invalid_request_error", code: "unknown_event", message: `mock ignores ${ev.type}` } });
        }
      };
    };

    await pc.setRemoteDescription({ type: "offer", sdp: offer });
    const tr = pc.getTransceivers().find((t) => t.receiver.track.kind === "audio");
    await tr.sender.replaceTrack(dest.stream.getAudioTracks()[0]);
    tr.direction = "sendrecv";
    await pc.setLocalDescription(await pc.createAnswer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      const t = setTimeout(resolve, 3000);
      pc.addEventListener("icegatheringstatechange", () => {
        if (pc.iceGatheringState === "complete") {
          clearTimeout(t);
          resolve();
        }
      });
    });
    if (dropAfterMs > 0) setTimeout(() => window.mockHangup(callId), dropAfterMs);
    return pc.localDescription.sdp;
  };

  window.mockHangup = (callId) => {
    const s = calls.get(callId);
    if (!s) return false;
    s.closed = true;
    s.pc.close();
    s.ctx.close();
    calls.delete(callId);
    return true;
  };
}

// ------------------------------------------------------------------ HTTP

let nextCall = 1;

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, `http://${req.headers.host}`);
  const route = `${req.method} ${url.pathname}`;
  console.error(`[mock] ${route}`);
  try {
    // The page's ES modules: every web/*.js at /assets/<name>.js, as the binary serves them.
    const module = /^\/assets\/([a-z_-]+\.js)$/.exec(url.pathname);
    const asset = STATIC[url.pathname] ||
      (module && [module[1], "text/javascript; charset=utf-8"]);
    if (req.method === "GET" && asset) {
      const [file, type] = asset;
      const body = await readFile(path.join(webDir, file));
      res.writeHead(200, { "Content-Type": type, "Cache-Control": "no-store" });
      return res.end(body);
    }
    if (route === "GET /__mock/blank") {
      res.writeHead(200, { "Content-Type": "text/html" });
      return res.end("<!doctype html><title>peer</title>");
    }
    if (route === "POST /api/demo/client_secret") {
      if (!demo) return sendError(res, "demo_disabled");
      const value = `ek_mock_${Math.random().toString(36).slice(2)}`;
      res.writeHead(200, { "Content-Type": "application/json" });
      return res.end(
        JSON.stringify({ value, expires_at: Math.floor(Date.now() / 1000) + 600, session: { type: "realtime" } }),
      );
    }
    if (route === "POST /v1/realtime/calls") {
      const auth = req.headers.authorization || "";
      const sdp = await readBody(req);
      if (callsError) {
        return sendError(res, callsError, callsError === "too_many_calls" ? { "Retry-After": "5" } : {});
      }
      if (!/^Bearer ek_/.test(auth)) return sendError(res, "invalid_client_secret");
      if (!/^application\/sdp/.test(req.headers["content-type"] || "") || !sdp.startsWith("v=0")) {
        return sendError(res, "invalid_sdp");
      }
      const callId = `rtc_mock${nextCall++}`;
      const page = await peer();
      const answer = await page.evaluate(([o, id, d]) => window.mockAnswer(o, id, d), [sdp, callId, dropAfterMs]);
      res.writeHead(201, { "Content-Type": "application/sdp", Location: `/v1/realtime/calls/${callId}` });
      return res.end(answer);
    }
    const hang = url.pathname.match(/^\/v1\/realtime\/calls\/([^/]+)\/hangup$/);
    if (req.method === "POST" && hang) {
      const found = peerPage ? await peerPage.evaluate((id) => window.mockHangup(id), hang[1]) : false;
      if (!found) return sendError(res, "not_found");
      res.writeHead(200, { "Content-Type": "application/json" });
      return res.end("{}");
    }
    return sendError(res, "not_found");
  } catch (err) {
    console.error(`[mock] ${route} failed: ${err.stack || err}`);
    res.writeHead(500, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ error: { type: "server_error", code: "mock_failed", message: String(err.message || err) } }));
  }
});

server.listen(port, "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});

for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, async () => {
    server.close();
    if (peerPage) await peerPage.context().browser().close().catch(() => {});
    process.exit(0);
  });
}
