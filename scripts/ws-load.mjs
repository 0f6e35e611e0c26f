// Concurrent typed interviews over seed 004's WebSocket, as an integrator sets them up: for
// each of N candidates a job, a candidate and an application (native API), a session token
// (`POST /api/v1/aiinterview/sessions`), then a socket that starts on open and answers every
// ANSWER_MS on average (each socket its own period, 0.5–1.5 ×) until SECONDS have passed.
// Measures answer → next question (p50/p95/p99/max) and the server's CPU over the run
// (`process_cpu_seconds_total` from /metrics), and prints one JSON line. Node 20's global
// WebSocket:
//
//   node --experimental-websocket scripts/ws-load.mjs http://127.0.0.1:8080 sk_… 200 30 5000

const [base, key, nArg = "50", secondsArg = "30", answerArg = "5000"] = process.argv.slice(2);
const n = Number(nArg);
const seconds = Number(secondsArg);
const answerMs = Number(answerArg);
const auth = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };

async function post(path, body) {
  const response = await fetch(`${base}${path}`, { method: "POST", headers: auth, body: JSON.stringify(body) });
  const json = await response.json();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function cpuSeconds() {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith("process_cpu_seconds_total "));
  return line ? Number(line.split(" ")[1]) : NaN;
}

/** One candidate's socket URL, with its token. */
async function session(i) {
  const job = await post("/api/v1/jobs", { title: `Backend engineer ${i}`, company: "Load Co", skills_required: ["rust", "sql"] });
  const candidate = await post("/api/v1/candidates", {
    name: `Candidate ${i}`,
    email: `ws-load-${i}-${Date.now()}@example.com`,
    resume_text: "Five years of backend work in Rust and Go; led a billing migration.",
  });
  const application = await post("/api/v1/applications", { job_id: job.id, candidate_id: candidate.id, industry: "IT" });
  const minted = await post("/api/v1/aiinterview/sessions", { application_id: application.id, duration: 120 });
  return minted.ws_url;
}

const latencies = [];
const errors = {};
let questions = 0;
let completed = 0;
let opened = 0;

function interview(url, until) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    let asked = null;
    let timer = null;
    const done = () => {
      clearInterval(timer);
      if (ws.readyState === WebSocket.OPEN) ws.close();
      resolve();
    };
    ws.onopen = () => {
      opened += 1;
      ws.send(JSON.stringify({ type: "start_interview", payload: {} }));
      timer = setInterval(() => {
        if (Date.now() >= until) return done();
        asked = performance.now();
        ws.send(JSON.stringify({ type: "submit_answer", payload: { answer: "I would measure first, then fix the slowest part." } }));
      }, answerMs * (0.5 + Math.random()));
    };
    ws.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "new_question") {
        questions += 1;
        if (asked !== null) latencies.push(performance.now() - asked);
        asked = null;
      } else if (message.type === "interview_completed") {
        completed += 1;
        done();
      } else if (message.type === "error") {
        errors[message.error_code] = (errors[message.error_code] || 0) + 1;
      }
    };
    ws.onerror = () => {
      errors.socket = (errors.socket || 0) + 1;
    };
    ws.onclose = () => done();
  });
}

const pct = (sorted, q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : null);
const round1 = (v) => (v === null ? null : Math.round(v * 10) / 10);

const urls = [];
for (let i = 0; i < n; i += 10) {
  urls.push(...(await Promise.all(Array.from({ length: Math.min(10, n - i) }, (_, j) => session(i + j)))));
}
const cpu0 = await cpuSeconds();
const t0 = performance.now();
const until = Date.now() + seconds * 1000;
await Promise.all(urls.map((url) => interview(url, until)));
const wall = (performance.now() - t0) / 1000;
const cpu = (await cpuSeconds()) - cpu0;
latencies.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    interviews: n,
    opened,
    seconds: round1(wall),
    answer_every_ms: answerMs,
    answers_answered: latencies.length,
    questions,
    completed,
    answer_to_question_ms: {
      p50: round1(pct(latencies, 0.5)),
      p95: round1(pct(latencies, 0.95)),
      p99: round1(pct(latencies, 0.99)),
      max: round1(latencies.at(-1) ?? null),
    },
    server_cpu_pct_of_a_core: round1((cpu / wall) * 100),
    server_cpu_pct_per_interview: Math.round(((cpu / wall) * 100 * 1000) / n) / 1000,
    errors,
  }),
);
