// The /tezhire demo page: drives the interview-sessions API (seed 002) from a browser and
// holds the session's joinUrl in a frame. The API key never leaves this page's memory.

const $ = (id) => document.getElementById(id);
const API = "/api/tezhire/interview-sessions";
const state = { key: "", sessionId: "", timer: 0 };

async function call(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { "X-API-Key": state.key, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => null);
  return { status: res.status, json };
}

function list(text) {
  return text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean);
}

async function create(event) {
  event.preventDefault();
  const f = new FormData(event.target);
  state.key = String(f.get("key"));
  const body = {
    session: f.get("sessionId") ? { sessionId: String(f.get("sessionId")) } : {},
    candidate: { candidateId: "demo-candidate", name: String(f.get("name")), email: String(f.get("email")) },
    job: {
      jobId: "demo-job",
      title: String(f.get("title")),
      description: String(f.get("description")),
      requirements: list(String(f.get("requirements"))),
    },
    interview: { duration: Number(f.get("duration")), customQuestions: String(f.get("questions")).split("\n").map((q) => q.trim()).filter(Boolean) },
    configuration: { language: "en" },
  };
  const { status, json } = await call("POST", API, body);
  if (status !== 200) {
    $("session").textContent = `Refused (${status}): ${json?.error}: ${json?.details}`;
    return;
  }
  state.sessionId = json.sessionId;
  $("session").textContent = `Session ${json.sessionId}, link valid until ${json.expiry}.`;
  $("join").src = json.joinUrl;
  $("join").hidden = false;
  for (const id of ["speaker", "end", "results"]) $(id).disabled = false;
  clearInterval(state.timer);
  state.timer = setInterval(poll, 2000);
  poll();
}

async function poll() {
  const { json } = await call("GET", `${API}/${encodeURIComponent(state.sessionId)}`);
  $("status").textContent = JSON.stringify(json, null, 2);
}

function toggleSpeaker() {
  // The candidate page is same-origin: its <audio> element plays the interviewer.
  const audio = $("join").contentDocument?.querySelector("audio");
  if (!audio) return;
  audio.muted = !audio.muted;
  $("speaker").setAttribute("aria-pressed", String(audio.muted));
  $("speaker").textContent = audio.muted ? "Unmute speaker" : "Mute speaker";
}

async function end() {
  const { json } = await call("POST", `${API}/${encodeURIComponent(state.sessionId)}/end`, { reason: $("reason").value });
  $("output").textContent = JSON.stringify(json, null, 2);
  poll();
}

async function results() {
  const { status, json } = await call("GET", `${API}/${encodeURIComponent(state.sessionId)}/results`);
  $("output").textContent = `${status}\n${JSON.stringify(json, null, 2)}`;
}

$("create").addEventListener("submit", create);
$("speaker").addEventListener("click", toggleSpeaker);
$("end").addEventListener("click", end);
$("results").addEventListener("click", results);
