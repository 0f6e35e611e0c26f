// Call status: the phase, the status line, and which controls and panels are shown.

import { renderIndicators } from "./indicators.js";
import { page } from "./state.js";
import { ui } from "./ui.js";
import { viva } from "./viva.js";

const PHASES = {
  idle: { state: "idle", text: "Ready when you are" },
  token: { state: "connecting", text: "Getting access…" },
  mic: { state: "connecting", text: "Waiting for your microphone…" },
  connecting: { state: "connecting", text: "Connecting…" },
  connected: { state: "connected", text: "Connected" },
  reconnecting: { state: "connected", text: "Connection unstable, reconnecting…" },
  ending: { state: null, text: "Ending call…" }, // keeps the state it had
  ended: { state: "ended", text: "Call ended" },
  failed: { state: "failed", text: "Call failed" },
};

export function setPhase(phase, text) {
  const p = PHASES[phase];
  viva.phase = phase;
  if (p.state) viva.state = p.state;
  ui.status.dataset.phase = phase;
  ui.statusText.textContent = text || p.text;
  renderControls();
}

function renderControls() {
  const state = viva.state;
  const inCall = state === "connecting" || state === "connected";
  ui.body.dataset.state = state;
  ui.start.hidden = inCall;
  ui.incall.hidden = !inCall;
  ui.prejoin.hidden = state !== "idle" && !(state === "failed" && !page.everConnected);
  ui.tiles.hidden = !ui.prejoin.hidden;
  // Without a join link and without demo secrets, starting again cannot work.
  if (page.needsLink && !inCall) ui.start.hidden = true;
  ui.controls.hidden = ui.start.hidden && ui.incall.hidden;
  renderLayout();
  ui.startLabel.textContent =
    state === "failed" ? (page.lastCallConnected ? "Rejoin interview" : "Try again") : state === "ended" ? "Start again" : "Start interview";
  ui.endLabel.textContent = state === "connecting" ? "Cancel" : "End";
  ui.end.setAttribute("aria-label", state === "connecting" ? "Cancel call" : "End call");
  ui.end.disabled = viva.phase === "ending";
  ui.footnote.hidden = inCall;
  ui.footnote.textContent =
    state === "ended" && page.lastCallConnected
      ? "Thank you for your time. You can close this page now."
      : "Your microphone is used only while the call is on. You can end the call at any time.";
  renderIndicators();
}

export function renderLayout() {
  ui.transcriptCard.hidden = ui.tiles.hidden && viva.transcript.length === 0;
  ui.body.dataset.layout = ui.transcriptCard.hidden ? "single" : "call";
}
