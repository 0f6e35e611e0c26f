// Who is speaking (the two tiles' indicators) and the question progress bar.

import { page } from "./state.js";
import { ui } from "./ui.js";
import { viva } from "./viva.js";

const INTERRUPTED_LABEL_MS = 1800;

let interruptedTimer = 0;

export function renderIndicators() {
  const state = viva.state;
  const active = state === "connected";
  const iSpeaking = active && viva.speaking.interviewer;
  const cSpeaking = active && viva.speaking.candidate && !page.micMuted;
  ui.tileInterviewer.dataset.speaking = String(iSpeaking);
  ui.tileYou.dataset.speaking = String(cSpeaking);
  ui.tileYou.dataset.muted = String(page.micMuted && (state === "connecting" || state === "connected"));

  let iText;
  if (state === "connecting") iText = "Connecting…";
  else if (state !== "connected") iText = state === "failed" ? "Disconnected" : "Call ended";
  else if (iSpeaking) iText = "Speaking";
  else if (page.interviewerNote === "interrupted") iText = "Stopped so you can speak";
  else if (cSpeaking) iText = "Listening";
  else if (page.interviewerNote === "thinking") iText = "Preparing a reply…";
  else iText = "Listening";
  ui.interviewerSub.textContent = iText;

  let yText;
  if (state === "connecting") yText = page.call && page.call.stream ? (page.micMuted ? "Microphone off" : "Microphone on") : "Microphone not started";
  else if (state !== "connected") yText = "Microphone off";
  else if (page.micMuted) yText = "Microphone off";
  else if (cSpeaking) yText = "You are speaking";
  else yText = "Microphone on";
  ui.youSub.textContent = yText;
}

export function setInterviewerSpeaking(on, note = "") {
  viva.speaking.interviewer = on;
  clearTimeout(interruptedTimer);
  page.interviewerNote = note;
  if (note === "interrupted") {
    interruptedTimer = setTimeout(() => {
      if (page.interviewerNote === "interrupted") page.interviewerNote = "";
      renderIndicators();
    }, INTERRUPTED_LABEL_MS);
  }
  renderIndicators();
}

export function setCandidateSpeaking(on) {
  viva.speaking.candidate = on;
  renderIndicators();
}

export function setProgress(index, count) {
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
