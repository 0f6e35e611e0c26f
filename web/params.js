// The page's query parameters: ?token= (join link), ?interview=&access= or the embed path
// (/embed/ai-interview/{id}/?access=), ?relay=1 and ?ice=tcp (ICE diagnostics).

export function joinToken() {
  const token = new URLSearchParams(window.location.search).get("token");
  return token && token.trim() ? token.trim() : null;
}

/**
 * An embed link's interview: `/embed/ai-interview/{id}/?access=<JWT>` (the partner API's
 * interview_url) or `?interview=<id>&access=<JWT>`. The page then takes the interview's client
 * secret with that access token. `{ interviewId, access }` (access may be null on a broken link),
 * or null when the page is not opened for an interview.
 */
export function embedInterview(location = window.location) {
  const params = new URLSearchParams(location.search);
  const fromPath = /^\/embed\/ai-interview\/([^/]+)\/?$/.exec(location.pathname);
  const interviewId = fromPath ? decodeURIComponent(fromPath[1]) : (params.get("interview") || "").trim();
  if (!interviewId) return null;
  const access = (params.get("access") || "").trim();
  return { interviewId, access: access || null };
}

/** ?relay=1: only relayed (TURN) candidates, as on a network that allows nothing else. */
export function relayOnly() {
  return new URLSearchParams(window.location.search).get("relay") === "1";
}

/**
 * ?ice=tcp (diagnostic): drop every UDP candidate from the offer sent and the answer received,
 * so the call can only connect over ICE-TCP, as on a network that blocks UDP.
 */
export function tcpOnly(sdp) {
  if (new URLSearchParams(window.location.search).get("ice") !== "tcp") return sdp;
  return sdp.replace(/^a=candidate:\S+ \d+ udp .*\r?\n/gim, "");
}
