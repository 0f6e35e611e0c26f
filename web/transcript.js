// The live transcript: one line per utterance, drawn into the transcript log.

import { elapsedLabel } from "./meter.js";
import { renderLayout } from "./status.js";
import { ui } from "./ui.js";
import { viva } from "./viva.js";

export const lines = new Map(); // `${role}:${itemId}` → { entry, meta, el }

export function lineFor(role, itemId, create = true) {
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
export function renderLine(line) {
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

export function speechDuration(meta) {
  const a = Number(meta.startMs);
  const b = Number(meta.endMs);
  if (!Number.isFinite(a) || !Number.isFinite(b) || b < a) return "";
  return ` (${((b - a) / 1000).toFixed(1)} s)`;
}
