// The seed 004 test page: the React example's flow in plain JavaScript. Connect, start on
// open, answer, pause, resume, ping, end; progress bar, timer, question type, final assessment.

const $ = (id) => document.getElementById(id);
let ws = null;
let remaining = 0;
let paused = true;
let completed = false;

const params = new URLSearchParams(location.search);
const form = $("connect");
if (params.get("application_id")) form.applicationId.value = params.get("application_id");
if (params.get("token")) form.token.value = params.get("token");

function setStatus(status) {
  $("status").textContent = status;
  $("status").dataset.status = status;
  document.body.dataset.state = status;
}

function log(kind, text) {
  const item = document.createElement("li");
  item.className = `message ${kind}`;
  item.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  $("log").append(item);
}

const formatTime = (seconds) =>
  `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;

function showTime() {
  $("timer").textContent = formatTime(remaining);
  $("paused-note").hidden = !paused || completed;
}

setInterval(() => {
  if (!paused && !completed && remaining > 0) {
    remaining -= 1;
    showTime();
  }
}, 1000);

function setProgress(progress) {
  const bar = $("progress-bar");
  bar.style.width = `${progress}%`;
  bar.textContent = `${progress}%`;
  $("progress").setAttribute("aria-valuenow", String(progress));
}

function send(type, payload = {}) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type, payload }));
}

const percent = (v) => (v === null || v === undefined ? "not assessed" : `${v}%`);
const label = (key) => key.replace(/_/g, " ").replace(/\b\w/g, (l) => l.toUpperCase());

function entries(list, object, fmt) {
  list.replaceChildren();
  for (const [key, value] of Object.entries(object || {})) {
    const item = document.createElement("li");
    item.textContent = `${label(key)}: ${fmt(value)}`;
    list.append(item);
  }
}

function definitions(dl, pairs) {
  dl.replaceChildren();
  for (const [term, value] of pairs) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = value === null || value === undefined ? "not assessed" : String(value);
    dd.dataset.field = term;
    dl.append(dt, dd);
  }
}

function showAssessment(a) {
  $("assessment").hidden = false;
  definitions($("scores"), [
    ["Overall Score", a.overall_score],
    ["Technical Score", a.technical_score],
    ["Recommendation", a.final_recommendation],
    ["Confidence", a.confidence_level],
  ]);
  $("industry").textContent = a.industry_type || "unknown";
  entries($("industry-scores"), a.industry_competency_scores, percent);
  entries($("universal-scores"), a.universal_scores, percent);
  const m = a.interview_metrics || {};
  definitions($("metrics"), [
    ["Duration", m.duration],
    ["Questions Answered", m.questions_answered],
    ["Engagement Level", m.engagement_level],
    ["Completion", m.completion_status],
  ]);
  $("feedback").textContent =
    a.feedback?.universal_feedback_for_candidate ?? "No feedback: nothing assessed the answers.";
  if (a.reason) {
    $("reason").hidden = false;
    $("reason").textContent = a.reason.message;
  }
}

function handle(data) {
  switch (data.type) {
    case "interview_started":
      log("system", `Interview started for ${data.candidate_name} (${data.job_title}, ${data.duration} min)`);
      break;
    case "new_question":
      $("interview").hidden = false;
      $("question").textContent = data.question;
      $("question-number").textContent = `Question ${data.question_number}`;
      $("question-type").textContent = data.question_type;
      setProgress(data.progress || 0);
      remaining = data.time_remaining || 0;
      paused = false;
      showTime();
      log("question", `Q${data.question_number} [${data.question_type}]: ${data.question}`);
      break;
    case "status_update":
      setProgress(data.progress ?? 0);
      remaining = data.time_remaining ?? remaining;
      if (data.status === "processing") paused = true;
      showTime();
      log("system", data.message);
      break;
    case "interview_paused":
      paused = true;
      remaining = data.time_remaining ?? remaining;
      showTime();
      log("system", data.message);
      break;
    case "interview_resumed":
      paused = false;
      showTime();
      log("system", data.message);
      break;
    case "pong":
      log("system", `pong ${data.timestamp}`);
      break;
    case "interview_completed":
      completed = true;
      setProgress(100);
      $("question").textContent = "";
      showAssessment(data.final_assessment);
      log("system", "Interview completed!");
      break;
    case "error":
      log("error", `Error ${data.error_code}: ${data.message} (${data.details?.suggestion ?? ""})`);
      break;
    default:
      log("system", `Unknown message: ${JSON.stringify(data)}`);
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const id = form.applicationId.value.trim();
  const token = form.token.value.trim();
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const query = token ? `?token=${encodeURIComponent(token)}` : "";
  setStatus("connecting");
  completed = false;
  ws = new WebSocket(`${scheme}://${location.host}/interview/${encodeURIComponent(id)}${query}`);
  ws.onopen = () => {
    setStatus("connected");
    log("system", "Connected to AI Interview System");
    send("start_interview");
  };
  ws.onmessage = (event) => handle(JSON.parse(event.data));
  ws.onclose = () => {
    setStatus("disconnected");
    log("system", "Disconnected from interview");
  };
  ws.onerror = () => {
    setStatus("error");
    log("error", "Connection error occurred");
  };
});

$("submit").addEventListener("click", () => {
  const answer = $("answer").value;
  if (!answer.trim()) {
    log("error", "Please enter an answer");
    return;
  }
  send("submit_answer", { answer });
  log("user", `Your answer: ${answer}`);
  $("answer").value = "";
});
$("pause").addEventListener("click", () => send("pause_interview"));
$("resume").addEventListener("click", () => send("resume_interview"));
$("ping").addEventListener("click", () => send("ping"));
$("end").addEventListener("click", () => send("submit_answer", { answer: "end" }));
