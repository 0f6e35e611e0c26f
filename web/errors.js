// Errors: VivaError, mapping HTTP and browser failures onto it, and the error area.

import { joinToken } from "./params.js";
import { page } from "./state.js";
import { ui } from "./ui.js";
import { viva } from "./viva.js";

export class VivaError extends Error {
  constructor(message, code, extra = {}) {
    super(message);
    this.code = code;
    Object.assign(this, extra);
  }
}

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

export function addError({ source, code, message, status, retryAfter }) {
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
  if (record.code === "demo_disabled" && !joinToken()) page.needsLink = true;
  // Keep the area short: the newest few errors.
  while (ui.errorList.children.length > 4) ui.errorList.firstElementChild.remove();
  ui.errorArea.hidden = false;
  console.warn(`[viva] ${record.source} error ${record.code}: ${record.message}`);
}

export function clearErrors() {
  ui.errorList.replaceChildren();
  ui.errorArea.hidden = true;
}

export async function httpError(res) {
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

export function asVivaError(err) {
  if (err instanceof VivaError) return err;
  if (err && err.name === "TypeError" && /fetch|network/i.test(err.message)) {
    return new VivaError(
      "Could not reach the interview server. Check your internet connection and try again.",
      "network_error",
    );
  }
  return new VivaError((err && err.message) || String(err), "client_error");
}
