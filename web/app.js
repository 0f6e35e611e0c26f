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
"use strict";

(() => {
  const DEMO_SECRET_URL = "/api/demo/client_secret";
  const CALLS_URL = "/v1/realtime/calls";
  const ICE_SERVERS_URL = "/v1/realtime/ice_servers";
  const ICE_SERVERS_TIMEOUT_MS = 4000;
  const ICE_GATHER_TIMEOUT_MS = 3000;
  const CONNECT_TIMEOUT_MS = 20000;
  const HANGUP_TIMEOUT_MS = 3000;
  const INTERRUPTED_LABEL_MS = 1800;

  const $ = (id) => document.getElementById(id);
  const ui = {
    body: document.body,
    status: $("status"),
    statusText: $("status-text"),
    timer: $("timer"),
    progress: $("progress"),
    progressLabel: $("progress-label"),
    progressFill: $("progress-fill"),
    prejoin: $("prejoin"),
    tiles: $("tiles"),
    tileInterviewer: $("tile-interviewer"),
    tileYou: $("tile-you"),
    interviewerSub: $("interviewer-sub"),
    youSub: $("you-sub"),
    meter: $("level-meter"),
    meterFill: $("meter-fill"),
    youRing: document.querySelector("#tile-you .avatar"),
    errorArea: $("error-area"),
    errorList: $("error-list"),
    errorDismiss: $("error-dismiss"),
    start: $("start"),
    startLabel: $("start-label"),
    controls: $("controls"),
    incall: $("incall"),
    muteMic: $("mute-mic"),
    muteSpeaker: $("mute-speaker"),
    end: $("end"),
    endLabel: $("end-label"),
    footnote: $("footnote"),
    transcriptCard: $("transcript-card"),
    transcript: $("transcript"),
    transcriptEmpty: $("transcript-empty"),
    audio: $("remote-audio"),
  };

  // ---------------------------------------------------------------- public test surface

  /** Kept up to date for automated tests and debugging. */
  const viva = {
    state: "idle", // idle | connecting | connected | ended | failed
    phase: "idle", // finer: idle | token | mic | connecting | connected | reconnecting | ending | ended | failed
    callId: null,
    events: [], // every server event object received on oai-events, in order
    transcript: [], // { role: "interviewer" | "candidate", itemId, text, final }
    errors: [], // { source, code, message, status? }
    pc: null,
    iceTransportPolicy: null, // "all" | "relay" once the call's RTCPeerConnection exists
    iceServers: 0, // how many ICE servers the server handed out
    progress: null, // { question_index, question_count } from viva.interview.progress
    speaking: { interviewer: false, candidate: false },
    /** Feeds one server event through the same path as the data channel (for tests). */
    inject: (event) => handleServerEvent(event),
    /** Shows an error as if it had happened (for tests). */
    showError: (message, code, source = "test") => addError({ source, code, message }),
  };
  window.viva = viva;

  // ---------------------------------------------------------------- status

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

  function setPhase(phase, text) {
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
    ui.prejoin.hidden = state !== "idle" && !(state === "failed" && !everConnected);
    ui.tiles.hidden = !ui.prejoin.hidden;
    // Without a join link and without demo secrets, starting again cannot work.
    if (needsLink && !inCall) ui.start.hidden = true;
    ui.controls.hidden = ui.start.hidden && ui.incall.hidden;
    renderLayout();
    ui.startLabel.textContent =
      state === "failed" ? (lastCallConnected ? "Rejoin interview" : "Try again") : state === "ended" ? "Start again" : "Start interview";
    ui.endLabel.textContent = state === "connecting" ? "Cancel" : "End";
    ui.end.setAttribute("aria-label", state === "connecting" ? "Cancel call" : "End call");
    ui.end.disabled = viva.phase === "ending";
    ui.footnote.hidden = inCall;
    ui.footnote.textContent =
      state === "ended" && lastCallConnected
        ? "Thank you for your time. You can close this page now."
        : "Your microphone is used only while the call is on. You can end the call at any time.";
    renderIndicators();
  }

  function renderLayout() {
    ui.transcriptCard.hidden = ui.tiles.hidden && viva.transcript.length === 0;
    ui.body.dataset.layout = ui.transcriptCard.hidden ? "single" : "call";
  }

  // ---------------------------------------------------------------- errors

  class VivaError extends Error {
    constructor(message, code, extra = {}) {
      super(message);
      this.code = code;
      Object.assign(this, extra);
    }
  }
  class Cancelled extends Error {}

  /** Plain words for the codes a candidate can meet; the server's message is shown too. */
  const FRIENDLY = {
    demo_disabled: () =>
      "This page needs your personal interview link. Please open the link from your invitation.",
    invalid_client_secret: () =>
      "This interview link is not valid. Check that you opened the whole link from your invitation.",
    expired_client_secret: () => "This interview link has expired. Please ask for a new one.",
    too_many_calls: (e) =>
      `The interview service is busy right now. Please try again${
        e.retryAfter ? ` in ${e.retryAfter} seconds` : " in a moment"
      }.`,
    invalid_sdp: () => "The server could not accept this browser's call setup.",
    body_too_large: () => "The server could not accept this browser's call setup (too large).",
  };

  function addError({ source, code, message, status, retryAfter }) {
    const record = { source, code: code || "error", message: message || "Something went wrong." };
    if (status) record.status = status;
    viva.errors.push(record);
    const friendly = FRIENDLY[record.code];
    const title = friendly ? friendly({ retryAfter }) : record.message;
    const li = document.createElement("li");
    const strong = document.createElement("span");
    strong.className = "alert-title";
    strong.textContent = title;
    const meta = document.createElement("span");
    meta.className = "alert-meta";
    const detail = document.createElement("span");
    detail.className = "alert-detail";
    if (friendly && record.message && record.message !== title) detail.textContent = record.message;
    const codeEl = document.createElement("code");
    codeEl.className = "alert-code";
    codeEl.textContent = record.code;
    meta.append(detail, codeEl);
    li.append(strong, meta);
    ui.errorList.append(li);
    if (record.code === "demo_disabled" && !joinToken()) needsLink = true;
    // Keep the area short: the newest few errors.
    while (ui.errorList.children.length > 4) ui.errorList.firstElementChild.remove();
    ui.errorArea.hidden = false;
    console.warn(`[viva] ${record.source} error ${record.code}: ${record.message}`);
  }

  function clearErrors() {
    ui.errorList.replaceChildren();
    ui.errorArea.hidden = true;
  }

  async function httpError(res) {
    let body = null;
    try {
      body = await res.json();
    } catch {
      /* not JSON */
    }
    const e = (body && body.error) || {};
    const retry = Number.parseInt(res.headers.get("Retry-After") || "", 10);
    return new VivaError(
      e.message || `The server answered ${res.status} ${res.statusText}`.trim(),
      e.code || e.type || `http_${res.status}`,
      { status: res.status, retryAfter: Number.isFinite(retry) ? retry : undefined },
    );
  }

  function asVivaError(err) {
    if (err instanceof VivaError) return err;
    if (err && err.name === "TypeError" && /fetch|network/i.test(err.message)) {
      return new VivaError(
        "Could not reach the interview server. Check your internet connection and try again.",
        "network_error",
      );
    }
    return new VivaError((err && err.message) || String(err), "client_error");
  }

  // ---------------------------------------------------------------- the call

  let call = null; // the call in progress, if any
  let everConnected = false;
  let lastCallConnected = false;
  let needsLink = false; // the server has no demo secrets and this page has no join link
  let micMuted = false;
  let speakerMuted = false;

  function live(c) {
    if (c !== call || c.closing) throw new Cancelled();
  }

  function joinToken() {
    const token = new URLSearchParams(window.location.search).get("token");
    return token && token.trim() ? token.trim() : null;
  }

  async function getClientSecret(c) {
    const fromLink = joinToken();
    if (fromLink) return fromLink;
    const res = await fetch(DEMO_SECRET_URL, { method: "POST", signal: c.abort.signal });
    if (!res.ok) throw await httpError(res);
    const body = await res.json().catch(() => null);
    const value = body && (body.value || (body.client_secret && body.client_secret.value));
    if (!value) throw new VivaError("The server sent no client secret.", "invalid_response");
    return value;
  }

  /** The ICE servers (TURN with fresh credentials) for this call, or none if they cannot be had. */
  async function getIceServers(c) {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), ICE_SERVERS_TIMEOUT_MS);
    const abortOnCall = () => timeout.abort();
    c.abort.signal.addEventListener("abort", abortOnCall);
    try {
      const res = await fetch(ICE_SERVERS_URL, {
        headers: { Authorization: `Bearer ${c.token}` },
        signal: timeout.signal,
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = await res.json();
      const servers = Array.isArray(body && body.ice_servers) ? body.ice_servers : [];
      return servers
        .filter((s) => s && (typeof s.urls === "string" || Array.isArray(s.urls)))
        .map((s) => ({ urls: s.urls, username: s.username, credential: s.credential }));
    } catch (err) {
      live(c);
      console.warn(`No ICE servers (${err && err.message}); trying without TURN.`);
      return [];
    } finally {
      clearTimeout(timer);
      c.abort.signal.removeEventListener("abort", abortOnCall);
    }
  }

  /** ?relay=1: only relayed (TURN) candidates, as on a network that allows nothing else. */
  function relayOnly() {
    return new URLSearchParams(window.location.search).get("relay") === "1";
  }

  /**
   * ?ice=tcp (diagnostic): drop every UDP candidate from the offer sent and the answer received,
   * so the call can only connect over ICE-TCP, as on a network that blocks UDP.
   */
  function tcpOnly(sdp) {
    if (new URLSearchParams(window.location.search).get("ice") !== "tcp") return sdp;
    return sdp.replace(/^a=candidate:\S+ \d+ udp .*\r?\n/gim, "");
  }

  async function getMicrophone() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new VivaError(
        "This browser cannot use a microphone here. Open the page over https in an up-to-date browser.",
        "microphone_unavailable",
      );
    }
    try {
      return await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
    } catch (err) {
      const name = err && err.name;
      if (name === "NotAllowedError" || name === "SecurityError") {
        throw new VivaError(
          "Microphone access is blocked. Allow the microphone for this site in your browser settings, then try again.",
          "microphone_blocked",
        );
      }
      if (name === "NotFoundError" || name === "OverconstrainedError") {
        throw new VivaError("No microphone was found. Connect one and try again.", "microphone_not_found");
      }
      if (name === "NotReadableError" || name === "AbortError") {
        throw new VivaError(
          "The microphone is in use by another app or could not be started. Close other apps using it and try again.",
          "microphone_busy",
        );
      }
      throw new VivaError(`The microphone could not be started: ${err && err.message}`, "microphone_error");
    }
  }

  function waitForIceGathering(pc, timeoutMs) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        pc.removeEventListener("icegatheringstatechange", onChange);
        pc.removeEventListener("icecandidate", onCandidate);
        resolve();
      };
      const onChange = () => pc.iceGatheringState === "complete" && done();
      const onCandidate = (e) => !e.candidate && done();
      const timer = setTimeout(done, timeoutMs);
      pc.addEventListener("icegatheringstatechange", onChange);
      pc.addEventListener("icecandidate", onCandidate);
    });
  }

  function callIdFrom(location) {
    if (!location) return null;
    const path = location.split(/[?#]/)[0].replace(/\/+$/, "");
    const id = path.slice(path.lastIndexOf("/") + 1);
    return id ? decodeURIComponent(id) : null;
  }

  async function startCall() {
    if (call) return;
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
    call = c;
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
      if (c !== call || c.closing) {
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
        if (c !== call) return;
        send(c, { type: "response.create" });
      });
      dc.addEventListener("message", (e) => {
        if (c !== call) return;
        onDataChannelMessage(e.data);
      });
      dc.addEventListener("close", () => {
        if (c !== call || c.closing) return;
        fail(c, new VivaError("The connection to the interview server was closed.", "data_channel_closed"));
      });

      await pc.setLocalDescription(await pc.createOffer());
      await waitForIceGathering(pc, ICE_GATHER_TIMEOUT_MS);
      live(c);

      // viva_events=1: this page also wants Viva's own events (viva.interview.progress).
      const res = await fetch(`${CALLS_URL}?viva_events=1`, {
        method: "POST",
        headers: { "Content-Type": "application/sdp", Authorization: `Bearer ${c.token}` },
        body: tcpOnly(pc.localDescription.sdp),
        signal: c.abort.signal,
      });
      if (!res.ok) throw await httpError(res);
      c.callId = callIdFrom(res.headers.get("Location"));
      viva.callId = c.callId;
      const answer = await res.text();
      live(c);
      await pc.setRemoteDescription({ type: "answer", sdp: tcpOnly(answer) });
      live(c);

      if (pc.connectionState === "connected") onConnected(c);
      c.timers.push(
        setTimeout(() => {
          if (c === call && !c.closing && viva.phase === "connecting") {
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
      if (err instanceof Cancelled || (err && err.name === "AbortError" && c.closing) || c !== call) return;
      fail(c, err);
    }
  }

  function onConnected(c) {
    if (c !== call || c.closing || c.connectedAt) return;
    c.connectedAt = performance.now();
    everConnected = true;
    lastCallConnected = true;
    setPhase("connected");
    ui.timer.hidden = false;
    renderTimer();
    c.timers.push(setInterval(renderTimer, 500));
  }

  function onConnectionState(c) {
    if (c !== call || c.closing) return;
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
    if (c !== call) return;
    const stream = (e.streams && e.streams[0]) || new MediaStream([e.track]);
    if (ui.audio.srcObject !== stream) ui.audio.srcObject = stream;
    ui.audio.muted = speakerMuted;
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

  function onDataChannelMessage(data) {
    let text = data;
    if (typeof data !== "string") {
      try {
        text = new TextDecoder().decode(data);
      } catch {
        return;
      }
    }
    let event;
    try {
      event = JSON.parse(text);
    } catch {
      console.warn("[viva] ignored a data channel message that is not JSON");
      return;
    }
    handleServerEvent(event);
  }

  function hangupUrl(c) {
    return `${CALLS_URL}/${encodeURIComponent(c.callId)}/hangup`;
  }

  async function hangup(c) {
    if (!c.callId || !c.token) return;
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), HANGUP_TIMEOUT_MS);
    try {
      const res = await fetch(hangupUrl(c), {
        method: "POST",
        headers: { Authorization: `Bearer ${c.token}` },
        signal: ctl.signal,
      });
      if (!res.ok && res.status !== 404) {
        const err = await httpError(res);
        console.warn(`[viva] hangup answered ${res.status} ${err.code}: ${err.message}`);
      }
    } catch (err) {
      console.warn(`[viva] hangup failed: ${err && err.message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Releases everything a call holds. Safe to call twice. */
  function teardown(c) {
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
    if (call === c) call = null;
  }

  function fail(c, err) {
    if (c !== call || c.closing) return;
    const e = asVivaError(err);
    const wasConnected = Boolean(c.connectedAt);
    addError({ source: e.status ? "http" : "client", code: e.code, message: e.message, status: e.status, retryAfter: e.retryAfter });
    if (c.callId && c.token) hangup(c); // best effort: free the server's side
    teardown(c);
    setPhase("failed", wasConnected ? "Connection lost" : "Couldn't start the call");
    focusStart();
  }

  async function endCall() {
    const c = call;
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

  function focusStart() {
    // The control that had focus is now hidden; give keyboard users a sensible place.
    if (ui.incall.contains(document.activeElement) || document.activeElement === document.body) {
      ui.start.focus();
    }
  }

  function resetForNewCall() {
    clearErrors();
    lastCallConnected = false;
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
    micMuted = false;
    speakerMuted = false;
    ui.muteMic.setAttribute("aria-pressed", "false");
    ui.muteSpeaker.setAttribute("aria-pressed", "false");
    ui.audio.muted = false;
    interviewerNote = "";
  }

  // ---------------------------------------------------------------- timer and meter

  function formatDuration(ms) {
    const total = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    const mm = String(m).padStart(2, "0");
    const ss = String(s).padStart(2, "0");
    return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
  }

  function renderTimer() {
    if (!call || !call.connectedAt) return;
    ui.timer.textContent = formatDuration(performance.now() - call.connectedAt);
  }

  function elapsedLabel() {
    return call && call.connectedAt ? formatDuration(performance.now() - call.connectedAt) : "";
  }

  function setLevel(level) {
    ui.meterFill.style.transform = `scaleX(${level.toFixed(3)})`;
    ui.youRing.style.setProperty("--level", level.toFixed(3));
  }

  /** Microphone level: RMS of the local stream in dBFS, mapped to 0..1, fast attack, slow release. */
  function startMeter(c) {
    const ctx = c.audioCtx;
    if (!ctx || !c.stream) return;
    if (ctx.state === "suspended") ctx.resume().catch(() => {});
    let analyser;
    try {
      const source = ctx.createMediaStreamSource(c.stream);
      analyser = ctx.createAnalyser();
      analyser.fftSize = 1024;
      source.connect(analyser); // not to the destination: no local echo
    } catch (err) {
      console.warn(`[viva] level meter unavailable: ${err && err.message}`);
      return;
    }
    const samples = new Float32Array(analyser.fftSize);
    let level = 0;
    let lastAria = 0;
    const tick = (now) => {
      if (c !== call || c.closing) return;
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
      const rms = Math.sqrt(sum / samples.length);
      const db = 20 * Math.log10(rms + 1e-9);
      const target = micMuted ? 0 : Math.min(1, Math.max(0, (db + 60) / 50)); // -60..-10 dBFS
      level += (target - level) * (target > level ? 0.45 : 0.08);
      setLevel(level);
      if (now - lastAria > 300) {
        ui.meter.setAttribute("aria-valuenow", String(Math.round(level * 100)));
        lastAria = now;
      }
      c.raf = requestAnimationFrame(tick);
    };
    c.raf = requestAnimationFrame(tick);
  }

  // ---------------------------------------------------------------- mute controls

  function applyMicMute() {
    if (call && call.stream) call.stream.getAudioTracks().forEach((t) => (t.enabled = !micMuted));
  }

  function toggleMic() {
    micMuted = !micMuted;
    applyMicMute();
    ui.muteMic.setAttribute("aria-pressed", String(micMuted));
    renderIndicators();
  }

  function toggleSpeaker() {
    speakerMuted = !speakerMuted;
    ui.audio.muted = speakerMuted;
    ui.muteSpeaker.setAttribute("aria-pressed", String(speakerMuted));
  }

  // ---------------------------------------------------------------- speaking indicators

  let interviewerNote = ""; // "thinking" | "interrupted" | ""
  let interruptedTimer = 0;

  function renderIndicators() {
    const state = viva.state;
    const active = state === "connected";
    const iSpeaking = active && viva.speaking.interviewer;
    const cSpeaking = active && viva.speaking.candidate && !micMuted;
    ui.tileInterviewer.dataset.speaking = String(iSpeaking);
    ui.tileYou.dataset.speaking = String(cSpeaking);
    ui.tileYou.dataset.muted = String(micMuted && (state === "connecting" || state === "connected"));

    let iText;
    if (state === "connecting") iText = "Connecting…";
    else if (state !== "connected") iText = state === "failed" ? "Disconnected" : "Call ended";
    else if (iSpeaking) iText = "Speaking";
    else if (interviewerNote === "interrupted") iText = "Stopped so you can speak";
    else if (cSpeaking) iText = "Listening";
    else if (interviewerNote === "thinking") iText = "Preparing a reply…";
    else iText = "Listening";
    ui.interviewerSub.textContent = iText;

    let yText;
    if (state === "connecting") yText = call && call.stream ? (micMuted ? "Microphone off" : "Microphone on") : "Microphone not started";
    else if (state !== "connected") yText = "Microphone off";
    else if (micMuted) yText = "Microphone off";
    else if (cSpeaking) yText = "You are speaking";
    else yText = "Microphone on";
    ui.youSub.textContent = yText;
  }

  function setInterviewerSpeaking(on, note = "") {
    viva.speaking.interviewer = on;
    clearTimeout(interruptedTimer);
    interviewerNote = note;
    if (note === "interrupted") {
      interruptedTimer = setTimeout(() => {
        if (interviewerNote === "interrupted") interviewerNote = "";
        renderIndicators();
      }, INTERRUPTED_LABEL_MS);
    }
    renderIndicators();
  }

  function setCandidateSpeaking(on) {
    viva.speaking.candidate = on;
    renderIndicators();
  }

  function setProgress(index, count) {
    const n = Number(count);
    const i = Number(index);
    if (!Number.isFinite(n) || n <= 0 || !Number.isFinite(i)) return;
    // question_index is 0-based: the first question is "Question 1 of N".
    const current = Math.min(n, Math.max(1, Math.floor(i) + 1));
    viva.progress = { question_index: i, question_count: n };
    ui.progressLabel.textContent = `Question ${current} of ${n}`;
    ui.progressFill.style.width = `${(current / n) * 100}%`;
    ui.progress.hidden = false;
  }

  // ---------------------------------------------------------------- transcript

  const lines = new Map(); // `${role}:${itemId}` → { entry, meta, el }

  function lineFor(role, itemId, create = true) {
    const key = `${role}:${itemId}`;
    let line = lines.get(key);
    if (!line && create) {
      const entry = { role, itemId: itemId ?? null, text: "", final: false };
      viva.transcript.push(entry);
      line = { entry, meta: { status: "", at: elapsedLabel() }, el: null };
      lines.set(key, line);
    }
    return line;
  }

  const MIC_ICON =
    '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M12 14a3 3 0 0 0 3-3V6a3 3 0 0 0-6 0v5a3 3 0 0 0 3 3Zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1A7 7 0 0 0 19 11h-2Z"/></svg>';

  /**
   * Draws one transcript line. A line still being written is hidden from screen readers; when it
   * becomes final it is replaced by a new node, so the log announces it once, whole.
   */
  function renderLine(line) {
    const { entry, meta } = line;
    const li = document.createElement("div");
    li.className = `line line-${entry.role}`;
    li.dataset.testid = "transcript-line";
    li.dataset.role = entry.role;
    li.dataset.itemId = entry.itemId ?? "";
    li.dataset.final = String(entry.final);
    if (meta.status) li.dataset.status = meta.status;
    if (!entry.final && meta.status !== "unfinished") li.setAttribute("aria-hidden", "true");

    const head = document.createElement("span");
    head.className = "line-role";
    head.textContent = entry.role === "interviewer" ? "Interviewer" : "You";
    if (meta.at) head.textContent += ` · ${meta.at}`;
    const tagText = meta.interrupted ? "interrupted" : meta.status === "unfinished" ? "incomplete" : "";
    if (tagText) {
      const tag = document.createElement("span");
      tag.className = "line-tag";
      tag.textContent = tagText;
      head.append(tag);
    }

    const body = document.createElement("div");
    body.className = "line-text";
    if (meta.status === "failed") {
      body.classList.add("line-note");
      body.innerHTML = MIC_ICON;
      body.append(document.createTextNode(entry.text));
    } else if (entry.text) {
      body.textContent = entry.text;
    } else {
      const PLACEHOLDER = { listening: "Listening…", transcribing: "Transcribing…", unfinished: "Not transcribed" };
      const ph = document.createElement("span");
      ph.className = "line-placeholder";
      ph.textContent = PLACEHOLDER[meta.status] || (entry.final ? "(no words)" : "…");
      body.classList.add("is-empty");
      body.append(ph);
    }
    li.append(head, body);

    const list = ui.transcript;
    const stick = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    if (line.el && line.el.parentNode === list) line.el.replaceWith(li);
    else list.append(li);
    line.el = li;
    ui.transcriptEmpty.hidden = true;
    renderLayout();
    if (stick) list.scrollTop = list.scrollHeight;
  }

  function speechDuration(meta) {
    const a = Number(meta.startMs);
    const b = Number(meta.endMs);
    if (!Number.isFinite(a) || !Number.isFinite(b) || b < a) return "";
    return ` (${((b - a) / 1000).toFixed(1)} s)`;
  }

  // ---------------------------------------------------------------- server events

  function handleServerEvent(ev) {
    if (!ev || typeof ev !== "object" || typeof ev.type !== "string") return;
    viva.events.push(ev);
    let line;
    switch (ev.type) {
      case "session.created":
      case "session.updated":
        break;

      case "input_audio_buffer.speech_started":
        setCandidateSpeaking(true);
        line = lineFor("candidate", ev.item_id);
        line.meta.startMs = ev.audio_start_ms;
        if (!line.entry.final) line.meta.status = "listening";
        renderLine(line);
        break;

      case "input_audio_buffer.speech_stopped":
        setCandidateSpeaking(false);
        line = lineFor("candidate", ev.item_id);
        line.meta.endMs = ev.audio_end_ms;
        if (!line.entry.final) line.meta.status = "transcribing";
        renderLine(line);
        break;

      case "conversation.item.input_audio_transcription.delta":
        line = lineFor("candidate", ev.item_id);
        if (!line.entry.final && typeof ev.delta === "string") {
          line.entry.text += ev.delta;
          renderLine(line);
        }
        break;

      case "conversation.item.input_audio_transcription.completed":
        line = lineFor("candidate", ev.item_id);
        line.entry.text = typeof ev.transcript === "string" ? ev.transcript.trim() : line.entry.text;
        line.entry.final = true;
        line.meta.status = "done";
        renderLine(line);
        break;

      case "conversation.item.input_audio_transcription.failed": {
        line = lineFor("candidate", ev.item_id);
        const why = ev.error && ev.error.message ? `: ${ev.error.message}` : "";
        line.entry.text = `Answer recorded${speechDuration(line.meta)} — no transcript${why}`;
        line.entry.final = true;
        line.meta.status = "failed";
        renderLine(line);
        break;
      }

      case "response.created":
        if (!viva.speaking.interviewer) {
          interviewerNote = "thinking";
          renderIndicators();
        }
        break;

      case "response.output_audio_transcript.delta":
      case "response.audio_transcript.delta": // beta name
      case "response.output_text.delta":
      case "response.text.delta": // beta name
        line = lineFor("interviewer", ev.item_id);
        if (ev.response_id) line.meta.responseId = ev.response_id;
        if (!line.entry.final && typeof ev.delta === "string") {
          line.entry.text += ev.delta;
          renderLine(line);
        }
        break;

      case "response.output_audio_transcript.done":
      case "response.audio_transcript.done":
      case "response.output_text.done":
      case "response.text.done": {
        line = lineFor("interviewer", ev.item_id);
        if (ev.response_id) line.meta.responseId = ev.response_id;
        const final = typeof ev.transcript === "string" ? ev.transcript : ev.text;
        if (typeof final === "string" && (final !== "" || line.entry.text === "")) line.entry.text = final;
        line.entry.final = true;
        renderLine(line);
        break;
      }

      case "output_audio_buffer.started":
        setInterviewerSpeaking(true);
        break;

      case "output_audio_buffer.stopped":
        setInterviewerSpeaking(false);
        break;

      case "output_audio_buffer.cleared": {
        // The candidate spoke over the interviewer: playback was cut.
        setInterviewerSpeaking(false, "interrupted");
        const candidates = [...lines.values()].filter(
          (l) => l.entry.role === "interviewer" && (!ev.response_id || l.meta.responseId === ev.response_id),
        );
        const last = candidates[candidates.length - 1];
        if (last) {
          last.meta.interrupted = true;
          renderLine(last);
        }
        break;
      }

      case "response.done": {
        if (interviewerNote === "thinking") {
          interviewerNote = "";
          renderIndicators();
        }
        const r = ev.response || {};
        if (r.status === "failed") {
          const e = (r.status_details && r.status_details.error) || {};
          addError({
            source: "server",
            code: e.code || e.type || "response_failed",
            message: e.message || "The interviewer could not reply.",
          });
        }
        break;
      }

      case "error": {
        const e = ev.error || {};
        addError({ source: "server", code: e.code || e.type || "server_error", message: e.message || "Server error" });
        break;
      }

      case "viva.interview.progress":
        setProgress(ev.question_index, ev.question_count);
        break;

      default:
        break;
    }
  }

  // ---------------------------------------------------------------- wiring

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
    const c = call;
    if (!c) return;
    if (c.callId && c.token) {
      fetch(hangupUrl(c), { method: "POST", headers: { Authorization: `Bearer ${c.token}` }, keepalive: true }).catch(
        () => {},
      );
    }
    teardown(c);
  });

  setPhase("idle");
})();
