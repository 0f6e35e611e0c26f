// A client of our own for seed 003 (OpenHire), written to its `InterviewWebSocket` flow: one
// socket on `/ws/interview/{session_id}` with a session id made here, `{type, data}` messages,
// `start_interview` with job, candidate and preferences (merged over the seed's defaults),
// `candidate_response`s, `live_transcript` interim then final (as its speech handler sends
// them), `get_status` and `end_interview`; every field the document names on each reply is
// checked, and the documented errors. Node 20's global WebSocket, no dependencies:
//
//   OPENHIRE_BASE_URL=ws://127.0.0.1:8080 node --experimental-websocket openhire.mjs
//
// The server must reach the demo organization (loopback, no token). Prints one JSON line:
// {ok, failures, checks, …}; exits 1 when a check failed.

import { randomUUID } from "node:crypto";

import { Inbox, check, isText, keysOf, run, same } from "./harness.mjs";

const baseUrl = process.env.OPENHIRE_BASE_URL;
const TEST_JOB = "ff7f1e59-3014-4cc8-8f2e-4b3ca694ceb3";
const CANDIDATE = "candidate-uuid-here";
const PHASES = ["introduction", "technical", "behavioral", "conclusion"];
const COMFORT = ["nervous", "neutral", "confident"];


/** Our client: the seed class's methods and message handling, with an inbox to await. */
class OpenHireClient extends Inbox {
  constructor(sessionId) {
    super();
    this.sessionId = sessionId;
    this.ws = new WebSocket(`${baseUrl}/ws/interview/${encodeURIComponent(sessionId)}`);
    this.opened = new Promise((resolve, reject) => {
      this.ws.onopen = () => resolve();
      this.ws.onerror = (e) => reject(new Error(`websocket error: ${e && e.message}`));
    });
    this.ws.onmessage = (event) => this.handleMessage(JSON.parse(event.data));
    this.ws.onclose = () => {
      this.closed = true;
      this.deliver(null);
    };
  }

  handleMessage(message) {
    this.log.push(message.type);
    switch (message.type) {
      case "interview_started":
      case "ai_response":
      case "live_transcript_update":
      case "status_update":
      case "interview_ended":
        this.deliver({ type: message.type, data: message.data, raw: message });
        break;
      case "error":
        // Errors are not in a `data` envelope: the seed's onError takes the whole message.
        this.deliver({ type: "error", data: message, raw: message });
        break;
      default:
        this.deliver({ type: `unknown:${message.type}`, data: message, raw: message });
    }
  }

  /** The next message, which must be of `type`; its data. */
  async expect(type, ms) {
    const message = await this.next(ms);
    check(message && message.type === type, `expected ${type}`, message && message.raw);
    return message ? message.data : {};
  }

  startInterview(jobId, candidateId, preferences = {}) {
    this.send({
      type: "start_interview",
      data: {
        job_id: jobId,
        candidate_id: candidateId,
        preferences: { max_duration: 30, difficulty_level: "medium", ...preferences },
      },
    });
  }

  sendResponse(responseText) {
    this.send({ type: "candidate_response", data: { response: responseText } });
  }

  sendLiveTranscript(transcript, isFinal = false) {
    this.send({ type: "live_transcript", data: { transcript, is_final: isFinal } });
  }

  getStatus() {
    this.send({ type: "get_status", data: {} });
  }

  endInterview() {
    this.send({ type: "end_interview", data: {} });
  }

  send(message) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
    else check(false, "socket open when sending", message.type);
  }

  close() {
    this.ws.close();
  }
}

const ERROR_KEYS = ["details", "exception_type", "message", "status_code", "type"];

/** A documented error: its four fields, top level, no `data`. */
function checkError(error, status, message, what) {
  check(same(keysOf(error), ERROR_KEYS), `${what}: the error's fields`, error);
  check(error.status_code === status, `${what}: status_code ${status}`, error);
  check(error.exception_type === "HTTPException", `${what}: exception_type`, error);
  check(error.message === message, `${what}: message`, error);
  check(typeof error.details === "string", `${what}: details`, error);
}

/** An ai_response's seven documented fields. */
function checkAi(data, what, expected) {
  check(
    same(keysOf(data), ["comfort_level", "completed", "interview_phase", "question", "questions_asked", "response", "time_elapsed"]),
    `${what}: ai_response fields`,
    data,
  );
  check(isText(data.response), `${what}: response`, data);
  check(expected.completed ? data.question === null : isText(data.question), `${what}: question`, data);
  check(PHASES.includes(data.interview_phase), `${what}: interview_phase is a documented phase`, data);
  if (expected.phase) check(data.interview_phase === expected.phase, `${what}: phase ${expected.phase}`, data);
  check(typeof data.time_elapsed === "number" && data.time_elapsed >= 0, `${what}: time_elapsed`, data);
  check(data.questions_asked === expected.asked, `${what}: questions_asked ${expected.asked}`, data);
  check(data.completed === expected.completed, `${what}: completed`, data);
  // Never guessed without a model: null, or one of the document's values.
  check(data.comfort_level === null || COMFORT.includes(data.comfort_level), `${what}: comfort_level`, data);
}

/** An interview_ended's three fields. */
function checkEnded(ended, sessionId, what) {
  check(same(keysOf(ended), ["completed", "final_feedback", "session_id"]), `${what}: interview_ended fields`, ended);
  check(ended.completed === true, `${what}: completed`, ended);
  check(ended.session_id === sessionId, `${what}: session_id`, ended);
  // No model: no feedback is invented (null); with one it would be text.
  check(ended.final_feedback === null || isText(ended.final_feedback), `${what}: final_feedback`, ended);
}

function checkStatus(status, expected, what) {
  check(
    same(keysOf(status), [
      "areas_to_probe", "candidate_id", "comfort_level", "completed", "interview_phase", "max_duration",
      "questions_asked", "session_id", "strengths_identified", "time_elapsed",
    ]),
    `${what}: status_update fields`,
    status,
  );
  check(status.session_id === expected.session_id, `${what}: session_id`, status);
  check(status.candidate_id === (expected.candidate || CANDIDATE), `${what}: candidate_id`, status);
  check(status.interview_phase === expected.phase, `${what}: interview_phase`, status);
  check(typeof status.time_elapsed === "number" && status.time_elapsed >= 0, `${what}: time_elapsed`, status);
  check(status.max_duration === (expected.max || 45), `${what}: max_duration`, status);
  check(status.questions_asked === expected.asked, `${what}: questions_asked`, status);
  check(status.completed === expected.completed, `${what}: completed`, status);
  check(status.comfort_level === null || COMFORT.includes(status.comfort_level), `${what}: comfort_level`, status);
  check(Array.isArray(status.strengths_identified), `${what}: strengths_identified`, status);
  check(Array.isArray(status.areas_to_probe), `${what}: areas_to_probe`, status);
}

async function main() {
  const summary = { connected_as: `node-client-${randomUUID()}`, phases: [], answers: [] };
  const client = new OpenHireClient(summary.connected_as);
  await client.opened;

  // 1. The documented errors, before any interview: the socket stays usable after each.
  client.getStatus();
  checkError(await client.expect("error"), 404, "Interview session not found", "status before a start");
  client.send({ type: "start_interview", data: { job_id: TEST_JOB } });
  checkError(await client.expect("error"), 400, "job_id and candidate_id are required", "no candidate_id");
  client.startInterview("xyz", CANDIDATE);
  const unknownJob = await client.expect("error");
  checkError(unknownJob, 404, "Job with ID xyz not found", "unknown job");
  client.startInterview(TEST_JOB, "xyz");
  checkError(await client.expect("error"), 404, "Candidate with ID xyz not found", "unknown candidate");
  summary.unknown_job = unknownJob;

  // 2. Start: the seed's usage example, focus areas too.
  client.startInterview(TEST_JOB, CANDIDATE, {
    max_duration: 45,
    difficulty_level: "hard",
    focus_areas: ["react", "node.js"],
  });
  const started = await client.expect("interview_started");
  check(
    same(keysOf(started), ["company", "initial_question", "interview_phase", "job_title", "max_duration", "session_id"]),
    "interview_started fields",
    started,
  );
  check(isText(started.session_id) && started.session_id !== summary.connected_as, "session_id: the system's", started);
  check(started.job_title === "Senior Frontend Developer", "job_title", started);
  check(started.company === "TechCorp Inc.", "company", started);
  check(isText(started.initial_question), "initial_question", started);
  check(started.max_duration === 45, "max_duration as asked", started);
  check(started.interview_phase === "introduction", "interview_phase", started);
  Object.assign(summary, { session_id: started.session_id, job_title: started.job_title, company: started.company });
  summary.phases.push(started.interview_phase);
  const sid = started.session_id;

  client.getStatus();
  checkStatus(await client.expect("status_update"), { session_id: sid, phase: "introduction", asked: 1, completed: false }, "first status");

  // 3. A typed answer.
  let asked = 1;
  const answer = async (text, what) => {
    client.sendResponse(text);
    summary.answers.push(text);
    const ai = await client.expect("ai_response");
    asked += 1;
    checkAi(ai, what, { asked, completed: false });
    summary.phases.push(ai.interview_phase);
    return ai;
  };
  const second = await answer("I have 5 years of experience with React and Node, mostly design systems.", "first answer");
  check(second.interview_phase === "technical", "the technical phase follows", second);
  check(second.question !== started.initial_question, "a new question", second);

  // 4. Speech: interim results are echoed only; the final one is echoed and becomes the answer.
  const interim = "I think the best approach";
  client.sendLiveTranscript(interim, false);
  const interimEcho = await client.expect("live_transcript_update");
  check(same(interimEcho, { transcript: interim, is_final: false }), "interim echo", interimEcho);
  const spoken = "I think the best approach was a streaming Node.js service behind the React app.";
  client.sendLiveTranscript(spoken, true);
  const finalEcho = await client.expect("live_transcript_update");
  check(same(finalEcho, { transcript: spoken, is_final: true }), "final echo", finalEcho);
  summary.answers.push(spoken);
  const afterSpeech = await client.expect("ai_response", 8000);
  asked += 1;
  checkAi(afterSpeech, "after the final transcript", { asked, completed: false });
  summary.phases.push(afterSpeech.interview_phase);

  client.getStatus();
  checkStatus(
    await client.expect("status_update"),
    { session_id: sid, phase: afterSpeech.interview_phase, asked, completed: false },
    "status after speech",
  );

  // 5. Answers through the conclusion: the last one completes the plan, and the server ends it.
  const more = [
    "We split the work by risk and agreed on the plan together as a team.",
    "I asked for help early and cut the scope to the essentials to ship on time.",
    "I would like to hear about the team's roadmap for the next year.",
  ];
  for (const [i, text] of more.entries()) {
    const ai = await answer(text, `answer ${i + 3}`);
    if (ai.interview_phase === "conclusion") break;
  }
  const phaseOrder = summary.phases.map((p) => PHASES.indexOf(p));
  check(phaseOrder.every((p, i) => i === 0 || p >= phaseOrder[i - 1]), "phases move forward only", summary.phases);
  check(same([...new Set(summary.phases)], PHASES), "every phase, in the document's order", summary.phases);

  const last = "No more questions from me, thank you for your time.";
  client.sendResponse(last);
  summary.answers.push(last);
  const done = await client.expect("ai_response");
  checkAi(done, "the last answer", { asked, completed: true, phase: "conclusion" });
  const ended = await client.expect("interview_ended");
  checkEnded(ended, sid, "at the end of the plan");
  summary.final_feedback = ended.final_feedback;

  client.getStatus();
  checkStatus(
    await client.expect("status_update"),
    { session_id: sid, phase: "conclusion", asked, completed: true },
    "status after the end",
  );
  client.sendResponse("hello?");
  const late = await client.expect("error");
  check(late.status_code === 409 && isText(late.message), "an answer after the end is refused", late);
  // The seed's endInterview on an ended session: the same interview_ended again.
  client.endInterview();
  const again = await client.expect("interview_ended");
  check(same(again, ended), "ending again says the same", again);
  client.close();
  summary.questions_asked = asked;
  summary.messages = client.log;

  // 6. Another session the candidate ends by hand, after one answer: end_interview.
  const early = new OpenHireClient(`node-client-${randomUUID()}`);
  await early.opened;
  early.startInterview(TEST_JOB, "test-candidate");
  const earlyStarted = await early.expect("interview_started");
  check(earlyStarted.max_duration === 30, "the seed's default max_duration", earlyStarted);
  check(earlyStarted.session_id !== sid, "a session of its own", earlyStarted);
  early.sendResponse("I build accessible single page apps for online shops.");
  checkAi(await early.expect("ai_response"), "early session", { asked: 2, completed: false, phase: "technical" });
  early.endInterview();
  checkEnded(await early.expect("interview_ended"), earlyStarted.session_id, "ended by hand");
  early.getStatus();
  checkStatus(
    await early.expect("status_update"),
    { session_id: earlyStarted.session_id, candidate: "test-candidate", phase: "technical", asked: 2, completed: true, max: 30 },
    "status of the session ended by hand",
  );
  early.close();
  summary.ended_early = earlyStarted.session_id;
  return summary;
}

await run("OPENHIRE_BASE_URL", baseUrl, main);
