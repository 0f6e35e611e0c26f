// Placing the call: client secret, microphone, RTCPeerConnection, offer/answer, connection state.

import { callIdFrom, getClientSecret, getIceServers, postOffer } from "./api.js";
import { fail } from "./end.js";
import { addError, clearErrors, VivaError } from "./errors.js";
import { onDataChannelMessage } from "./events.js";
import { getMicrophone, waitForIceGathering } from "./media.js";
import { renderTimer, startMeter } from "./meter.js";
import { applyMicMute } from "./mute.js";
import { relayOnly, tcpOnly } from "./params.js";
import { Cancelled, live, page } from "./state.js";
import { setPhase } from "./status.js";
import { lines } from "./transcript.js";
import { ui } from "./ui.js";
import { viva } from "./viva.js";

const ICE_GATHER_TIMEOUT_MS = 3000;
const CONNECT_TIMEOUT_MS = 20000;

export async function startCall() {
  if (page.call) return;
  resetForNewCall();
  const c = {
    abort: new AbortController(),
    token: null,
    stream: null,
    pc: null,
    dc: null,
    callId: null,
    audioCtx: null,
    raf: 0,
    timers: [],
    connectedAt: 0,
    closing: false,
  };
  page.call = c;
  // Created inside the click so that browsers let it run.
  try {
    c.audioCtx = new (window.AudioContext || window.webkitAudioContext)();
  } catch {
    c.audioCtx = null;
  }
  try {
    setPhase("token");
    c.token = await getClientSecret(c);
    live(c);

    setPhase("mic");
    const stream = await getMicrophone();
    if (c !== page.call || c.closing) {
      stream.getTracks().forEach((t) => t.stop());
      throw new Cancelled();
    }
    c.stream = stream;
    applyMicMute();
    startMeter(c);

    setPhase("connecting");
    if (typeof RTCPeerConnection !== "function") {
      throw new VivaError("This browser does not support voice calls (WebRTC).", "unsupported_browser");
    }
    const iceServers = await getIceServers(c);
    live(c);
    const pcConfig = { iceServers };
    if (relayOnly()) pcConfig.iceTransportPolicy = "relay";
    viva.iceTransportPolicy = pcConfig.iceTransportPolicy || "all";
    viva.iceServers = iceServers.length;
    const pc = new RTCPeerConnection(pcConfig);
    c.pc = pc;
    viva.pc = pc;
    pc.addEventListener("track", (e) => onRemoteTrack(c, e));
    pc.addEventListener("connectionstatechange", () => onConnectionState(c));
    for (const track of stream.getAudioTracks()) pc.addTrack(track, stream);

    const dc = pc.createDataChannel("oai-events");
    c.dc = dc;
    dc.addEventListener("open", () => {
      if (c !== page.call) return;
      send(c, { type: "response.create" });
    });
    dc.addEventListener("message", (e) => {
      if (c !== page.call) return;
      onDataChannelMessage(e.data);
    });
    dc.addEventListener("close", () => {
      if (c !== page.call || c.closing) return;
      fail(c, new VivaError("The connection to the interview server was closed.", "data_channel_closed"));
    });

    await pc.setLocalDescription(await pc.createOffer());
    await waitForIceGathering(pc, ICE_GATHER_TIMEOUT_MS);
    live(c);

    const res = await postOffer(c, tcpOnly(pc.localDescription.sdp));
    c.callId = callIdFrom(res.headers.get("Location"));
    viva.callId = c.callId;
    const answer = await res.text();
    live(c);
    await pc.setRemoteDescription({ type: "answer", sdp: tcpOnly(answer) });
    live(c);

    if (pc.connectionState === "connected") onConnected(c);
    c.timers.push(
      setTimeout(() => {
        if (c === page.call && !c.closing && viva.phase === "connecting") {
          fail(
            c,
            new VivaError(
              "The audio connection could not be set up. A firewall or VPN may be blocking it.",
              "connect_timeout",
            ),
          );
        }
      }, CONNECT_TIMEOUT_MS),
    );
  } catch (err) {
    if (err instanceof Cancelled || (err && err.name === "AbortError" && c.closing) || c !== page.call) return;
    fail(c, err);
  }
}

function onConnected(c) {
  if (c !== page.call || c.closing || c.connectedAt) return;
  c.connectedAt = performance.now();
  page.everConnected = true;
  page.lastCallConnected = true;
  setPhase("connected");
  ui.timer.hidden = false;
  renderTimer();
  c.timers.push(setInterval(renderTimer, 500));
}

function onConnectionState(c) {
  if (c !== page.call || c.closing) return;
  const s = c.pc.connectionState;
  if (s === "connected") {
    if (!c.connectedAt) onConnected(c);
    else if (viva.phase === "reconnecting") setPhase("connected");
  } else if (s === "disconnected") {
    if (viva.phase === "connected") setPhase("reconnecting");
  } else if (s === "failed") {
    fail(c, new VivaError("The connection to the interview was lost.", "connection_failed"));
  }
}

function onRemoteTrack(c, e) {
  if (c !== page.call) return;
  const stream = (e.streams && e.streams[0]) || new MediaStream([e.track]);
  if (ui.audio.srcObject !== stream) ui.audio.srcObject = stream;
  ui.audio.muted = page.speakerMuted;
  const played = ui.audio.play();
  if (played && played.catch) {
    played.catch((err) => {
      if (err && err.name === "NotAllowedError") {
        addError({
          source: "client",
          code: "autoplay_blocked",
          message: "The browser blocked the interviewer's audio. Click anywhere on the page to hear it.",
        });
        document.addEventListener("click", () => ui.audio.play().catch(() => {}), { once: true });
      }
    });
  }
}

function send(c, event) {
  if (c.dc && c.dc.readyState === "open") c.dc.send(JSON.stringify(event));
}

function resetForNewCall() {
  clearErrors();
  page.lastCallConnected = false;
  viva.callId = null;
  viva.events = [];
  viva.transcript = [];
  viva.errors = [];
  viva.progress = null;
  viva.pc = null;
  lines.clear();
  ui.transcript.replaceChildren();
  ui.transcriptEmpty.hidden = false;
  ui.progress.hidden = true;
  ui.timer.hidden = true;
  ui.timer.textContent = "00:00";
  page.micMuted = false;
  page.speakerMuted = false;
  ui.muteMic.setAttribute("aria-pressed", "false");
  ui.muteSpeaker.setAttribute("aria-pressed", "false");
  ui.audio.muted = false;
  page.interviewerNote = "";
}
