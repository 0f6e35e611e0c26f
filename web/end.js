// Ending a call: on failure or by the candidate; releases everything the call holds.

import { hangup } from "./api.js";
import { addError, asVivaError } from "./errors.js";
import { setLevel } from "./meter.js";
import { page } from "./state.js";
import { setPhase } from "./status.js";
import { lines, renderLine } from "./transcript.js";
import { ui } from "./ui.js";
import { viva } from "./viva.js";

/** Releases everything a call holds. Safe to call twice. */
export function teardown(c) {
  c.closing = true;
  c.abort.abort();
  c.timers.forEach((t) => {
    clearTimeout(t);
    clearInterval(t);
  });
  c.timers = [];
  if (c.raf) cancelAnimationFrame(c.raf);
  c.raf = 0;
  if (c.stream) c.stream.getTracks().forEach((t) => t.stop());
  if (c.dc) {
    try {
      c.dc.close();
    } catch {
      /* already closed */
    }
  }
  if (c.pc) c.pc.close();
  if (c.audioCtx) c.audioCtx.close().catch(() => {});
  ui.audio.srcObject = null;
  for (const line of lines.values()) {
    if (!line.entry.final && line.meta.status !== "unfinished") {
      line.meta.status = "unfinished";
      renderLine(line);
    }
  }
  viva.speaking.interviewer = false;
  viva.speaking.candidate = false;
  setLevel(0);
  if (page.call === c) page.call = null;
}

export function fail(c, err) {
  if (c !== page.call || c.closing) return;
  const e = asVivaError(err);
  const wasConnected = Boolean(c.connectedAt);
  addError({ source: e.status ? "http" : "client", code: e.code, message: e.message, status: e.status, retryAfter: e.retryAfter });
  if (c.callId && c.token) hangup(c); // best effort: free the server's side
  teardown(c);
  setPhase("failed", wasConnected ? "Connection lost" : "Couldn't start the call");
  focusStart();
}

export async function endCall() {
  const c = page.call;
  if (!c || c.closing) return;
  const wasConnected = Boolean(c.connectedAt);
  c.closing = true;
  c.abort.abort();
  setPhase("ending");
  await hangup(c);
  teardown(c);
  setPhase("ended", wasConnected ? "Call ended" : "Call cancelled");
  focusStart();
}

/** The server ended the call (e.g. the integrator ended the interview): say why, let go. */
export function endedByServer(reason) {
  const c = page.call;
  if (!c || c.closing) return;
  teardown(c);
  setPhase("ended", `Interview ended: ${reason}`);
  focusStart();
}

function focusStart() {
  // The control that had focus is now hidden; give keyboard users a sensible place.
  if (ui.incall.contains(document.activeElement) || document.activeElement === document.body) {
    ui.start.focus();
  }
}
