// The page's query parameters: ?token= (join link), ?relay=1 and ?ice=tcp (ICE diagnostics).

export function joinToken() {
  const token = new URLSearchParams(window.location.search).get("token");
  return token && token.trim() ? token.trim() : null;
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
