// Requests to the Viva server: client secret, ICE servers, the call (SDP offer) and hang up.

import { httpError, VivaError } from "./errors.js";
import { embedInterview, joinToken } from "./params.js";
import { live } from "./state.js";

const DEMO_SECRET_URL = "/api/demo/client_secret";
const CALLS_URL = "/v1/realtime/calls";
const ICE_SERVERS_URL = "/v1/realtime/ice_servers";
const ICE_SERVERS_TIMEOUT_MS = 4000;
const HANGUP_TIMEOUT_MS = 3000;

export async function getClientSecret(c) {
  const fromLink = joinToken();
  if (fromLink) return fromLink;
  const embed = embedInterview();
  if (embed) return getInterviewSecret(c, embed);
  const res = await fetch(DEMO_SECRET_URL, { method: "POST", signal: c.abort.signal });
  if (!res.ok) throw await httpError(res);
  const body = await res.json().catch(() => null);
  const value = body && (body.value || (body.client_secret && body.client_secret.value));
  if (!value) throw new VivaError("The server sent no client secret.", "invalid_response");
  return value;
}

/**
 * An embed link's client secret: the interview's credentials, asked for with the link's access
 * token (`POST /api/v1/interviews/{id}/credentials`, which answers errors as {"detail"}).
 */
async function getInterviewSecret(c, { interviewId, access }) {
  if (!access) throw new VivaError("This interview link has no access token.", "invalid_client_secret");
  const res = await fetch(`/api/v1/interviews/${encodeURIComponent(interviewId)}/credentials`, {
    method: "POST",
    headers: { Authorization: `Bearer ${access}` },
    signal: c.abort.signal,
  });
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const detail = body && typeof body.detail === "string" ? body.detail : "";
    const code =
      res.status !== 401 ? `http_${res.status}` : /expired/i.test(detail) ? "expired_client_secret" : "invalid_client_secret";
    throw new VivaError(detail || `The server answered ${res.status}`, code, { status: res.status });
  }
  const secret = body && body.session_token && body.session_token.client_secret;
  if (!secret || !secret.value) throw new VivaError("The server sent no client secret.", "invalid_response");
  return secret.value;
}

/** The ICE servers (TURN with fresh credentials) for this call, or none if they cannot be had. */
export async function getIceServers(c) {
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

/** Sends the SDP offer; resolves with the 201 response (answer SDP, Location) or throws. */
export async function postOffer(c, sdp) {
  // viva_events=1: this page also wants Viva's own events (viva.interview.progress).
  const res = await fetch(`${CALLS_URL}?viva_events=1`, {
    method: "POST",
    headers: { "Content-Type": "application/sdp", Authorization: `Bearer ${c.token}` },
    body: sdp,
    signal: c.abort.signal,
  });
  if (!res.ok) throw await httpError(res);
  return res;
}

export function callIdFrom(location) {
  if (!location) return null;
  const path = location.split(/[?#]/)[0].replace(/\/+$/, "");
  const id = path.slice(path.lastIndexOf("/") + 1);
  return id ? decodeURIComponent(id) : null;
}

function hangupUrl(c) {
  return `${CALLS_URL}/${encodeURIComponent(c.callId)}/hangup`;
}

export async function hangup(c) {
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

/** Hangs up as the page goes away: a keepalive request that may outlive the page. */
export function hangupOnPagehide(c) {
  fetch(hangupUrl(c), { method: "POST", headers: { Authorization: `Bearer ${c.token}` }, keepalive: true }).catch(
    () => {},
  );
}
