// Entry module of the candidate's call page: wires the controls and the test hooks, then shows idle.
/*
 * Viva candidate page: one voice call with the AI interviewer.
 *
 * Speaks the OpenAI Realtime GA WebRTC flow against the Viva server:
 *   client secret  ?token=… from a join link, else POST /api/demo/client_secret
 *   ICE servers    GET /v1/realtime/ice_servers (Bearer): STUN/TURN with fresh credentials; the
 *                  call goes on without them if that fails. ?relay=1 forces relay-only ICE.
 *                  ?ice=tcp keeps only TCP candidates (as on a network that blocks UDP).
 *   call           POST /v1/realtime/calls (application/sdp, Bearer) → 201 answer SDP + Location
 *   events         data channel "oai-events" (JSON), response.create sent on open
 *   hang up        POST /v1/realtime/calls/{id}/hangup
 *
 * window.viva is kept up to date for automated tests (tests/browser/call.mjs).
 */

import { hangupOnPagehide } from "./api.js";
import { startCall } from "./call.js";
import { endCall, teardown } from "./end.js";
import { addError, clearErrors } from "./errors.js";
import { handleServerEvent } from "./events.js";
import { toggleMic, toggleSpeaker } from "./mute.js";
import { page } from "./state.js";
import { setPhase } from "./status.js";
import { ui } from "./ui.js";
import { viva } from "./viva.js";

// The test hooks on window.viva (see viva.js).
viva.inject = (event) => handleServerEvent(event);
viva.showError = (message, code, source = "test") => addError({ source, code, message });

ui.start.addEventListener("click", () => {
  startCall();
  // Keyboard focus moves to the controls that replace the start button: to Mute, not to
  // End, so that a stray key press cannot end the call.
  if (!ui.incall.hidden) ui.muteMic.focus();
});
ui.end.addEventListener("click", endCall);
ui.muteMic.addEventListener("click", toggleMic);
ui.muteSpeaker.addEventListener("click", toggleSpeaker);
ui.errorDismiss.addEventListener("click", () => {
  clearErrors();
  (ui.start.hidden ? ui.end : ui.start).focus();
});

// Leaving the page hangs up, so the server frees the call at once.
window.addEventListener("pagehide", () => {
  const c = page.call;
  if (!c) return;
  if (c.callId && c.token) hangupOnPagehide(c);
  teardown(c);
});

setPhase("idle");
