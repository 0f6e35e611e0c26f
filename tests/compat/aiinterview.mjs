// A client of our own for seed 004 (AI Interview), written to its React component's flow: a
// socket on `/interview/{application_id}` that sends `start_interview` as soon as it opens,
// `{type, payload}` out and flat messages in, answers as `submit_answer`, the `pause` command
// and the `pause_interview` / `resume_interview` messages, `ping`, `get_status`, the `end`
// command, and `interview_completed` read the way the component renders it. Every field the
// document names is checked; without a text model the scores are null and `reason` says why,
// which is checked as such. Node 20's global WebSocket, no dependencies:
//
//   AIINTERVIEW_BASE_URL=ws://127.0.0.1:8080 node --experimental-websocket aiinterview.mjs
//
// The server must reach the demo organization (loopback, no token). Prints one JSON line:
// {ok, failures, checks, …}; exits 1 when a check failed.

import { Inbox, check, isText, keysOf, run, same } from "./harness.mjs";

const baseUrl = process.env.AIINTERVIEW_BASE_URL;
const IT_APP = "550e8400-e29b-41d4-a716-446655440000";
const QUESTION_TYPES = ["icebreaker", "resume", "scenario", "bonus", "clarification"];
const RECOMMENDATIONS = ["strong_hire", "hire", "further_assessment", "no_hire"];
const CONFIDENCE = ["high", "medium", "low"];
const UNIVERSAL = [
  "communication_score", "problem_solving_score", "leadership_potential_score",
  "adaptability_score", "teamwork_score", "cultural_fit_score",
];
const IT_COMPETENCIES = [
  "technical_proficiency", "system_thinking", "analytical_skills", "project_understanding", "learning_ability",
];

const isCount = (v) => Number.isInteger(v) && v >= 0;
const hasKeys = (o, keys) => keys.every((k) => o && typeof o === "object" && k in o);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Our client: the component's connect (start on open), its send helpers and its handling of
 * each message kind, with an inbox to await replies in order.
 */
class AiInterviewClient extends Inbox {
  constructor(applicationId) {
    super();
    this.applicationId = applicationId;
    this.closeCode = null;
    // The component's state, as its handler keeps it.
    this.state = { currentQuestion: "", questionNumber: 0, progress: 0, timeRemaining: 0, completed: false, finalAssessment: null };
    this.ws = new WebSocket(`${baseUrl}/interview/${applicationId}`);
    this.opened = new Promise((resolve, reject) => {
      this.ws.onopen = () => {
        // Start automatically, as the component does.
        this.ws.send(JSON.stringify({ type: "start_interview", payload: {} }));
        resolve();
      };
      this.ws.onerror = (e) => reject(new Error(`websocket error: ${e && e.message}`));
    });
    this.ws.onmessage = (event) => this.handleMessage(JSON.parse(event.data));
    this.ws.onclose = (event) => {
      this.closed = true;
      this.closeCode = event.code;
      this.deliver(null);
    };
  }

  handleMessage(data) {
    this.log.push(data.type);
    const s = this.state;
    switch (data.type) {
      case "new_question":
        s.currentQuestion = data.question;
        s.questionNumber = data.question_number;
        s.progress = data.progress || 0;
        s.timeRemaining = data.time_remaining || 0;
        break;
      case "interview_completed":
        s.completed = true;
        s.finalAssessment = data.final_assessment;
        break;
      case "status_update":
        s.progress = data.progress || s.progress;
        s.timeRemaining = data.time_remaining || s.timeRemaining;
        break;
      default:
      // interview_started, interview_paused, interview_resumed, pong, error: logged only.
    }
    this.deliver(data);
  }

  /** The next message, which must be of `type`. */
  async expect(type, ms) {
    const message = await this.next(ms);
    check(message && message.type === type, `expected ${type}`, message);
    return message || {};
  }

  send(type, payload = {}) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type, payload }));
    else check(false, "socket open when sending", type);
  }

  submitAnswer(answer) {
    this.send("submit_answer", { answer });
    this.state.currentQuestion = "";
  }

  pauseInterview() {
    this.send("pause_interview");
  }

  resumeInterview() {
    this.send("resume_interview");
  }

  getStatus() {
    this.send("get_status");
  }

  ping() {
    this.send("ping");
  }

  close() {
    this.ws.close();
  }
}

/** The component's formatTime. */
const formatTime = (seconds) => `${Math.floor(seconds / 60)}:${(seconds % 60).toString().padStart(2, "0")}`;

function checkError(error, code, recoverable, what) {
  check(error.type === "error", `${what}: an error`, error);
  check(error.error_code === code, `${what}: error_code ${code}`, error);
  check(error.recoverable === recoverable, `${what}: recoverable ${recoverable}`, error);
  check(isText(error.message), `${what}: message`, error);
  check(error.details && isText(error.details.suggestion), `${what}: details.suggestion`, error);
}

/** A new_question with every documented field, question_context agreeing. */
function checkQuestion(q, number, type, what) {
  check(isText(q.question), `${what}: question`, q);
  check(q.question_number === number, `${what}: question_number ${number}`, q);
  check(QUESTION_TYPES.includes(q.question_type), `${what}: a documented question_type`, q);
  check(q.question_type === type, `${what}: question_type ${type}`, q);
  const clarification = type === "clarification";
  check(q.is_followup === clarification && q.is_clarification === clarification, `${what}: is_followup, is_clarification`, q);
  check(isCount(q.time_remaining) && q.time_remaining <= 1200 && q.time_remaining > 1100, `${what}: time_remaining of 20 minutes`, q);
  check(Number.isInteger(q.progress) && q.progress >= 1 && q.progress <= 100, `${what}: progress`, q);
  check(
    same(q.question_context, { type, question_number: number, is_followup: clarification, time_remaining: q.time_remaining }),
    `${what}: question_context`,
    q,
  );
}

/** A status_update with the document's fields (status, message, progress, time_remaining). */
function checkStatus(update, status, what) {
  check(hasKeys(update, ["status", "message", "progress", "time_remaining"]), `${what}: status_update fields`, update);
  check(update.status === status, `${what}: status ${status}`, update);
  check(isText(update.message), `${what}: message`, update);
  check(isCount(update.progress) && update.progress <= 100, `${what}: progress`, update);
  check(isCount(update.time_remaining), `${what}: time_remaining`, update);
  return update;
}

/** The final_assessment in the document's shape; without a model, null scores and a reason. */
function checkAssessment(a, answered) {
  check(
    hasKeys(a, [
      "overall_score", "technical_score", "universal_scores", "industry_competency_scores", "industry_type",
      "final_recommendation", "confidence_level", "interview_quality_score", "feedback", "interview_metrics",
    ]),
    "final_assessment: every documented field",
    a,
  );
  check(same(keysOf(a.universal_scores), [...UNIVERSAL].sort()), "universal_scores: the six", a.universal_scores);
  check(
    same(keysOf(a.industry_competency_scores), [...IT_COMPETENCIES].sort()),
    "industry_competency_scores: the IT five",
    a.industry_competency_scores,
  );
  check(a.industry_type === "IT", "industry_type from the application", a.industry_type);
  const f = a.feedback || {};
  check(
    hasKeys(f, [
      "universal_feedback_for_recruiters", "universal_feedback_for_candidate", "industry_specific_feedback",
      "areas_of_improvement_for_candidate", "overall_feedback_for_recruiters",
    ]),
    "feedback fields",
    f,
  );
  check(
    hasKeys(f.industry_specific_feedback, [
      "technical_feedback_for_recruiters", "technical_feedback_for_candidate", "domain_strengths", "domain_improvement_areas",
    ]),
    "industry_specific_feedback fields",
    f.industry_specific_feedback,
  );
  const m = a.interview_metrics || {};
  check(hasKeys(m, ["duration", "questions_answered", "engagement_level", "completion_status"]), "interview_metrics fields", m);
  check(/^\d\d:\d\d$/.test(m.duration), "duration as mm:ss", m);
  check(m.questions_answered === answered, `questions_answered ${answered} (commands are not answers)`, m);
  check(m.completion_status === "ended_by_candidate", "completion_status of the end command", m);

  // No text model on this server: nothing is scored, recommended or written, and it says so.
  const scored = [a.overall_score, a.technical_score, a.interview_quality_score, ...Object.values(a.universal_scores || {}), ...Object.values(a.industry_competency_scores || {})];
  check(scored.every((v) => v === null), "no model: every score null, none invented", scored);
  check(a.final_recommendation === null || RECOMMENDATIONS.includes(a.final_recommendation), "final_recommendation", a);
  check(a.final_recommendation === null && a.confidence_level === null, "no model: no recommendation, no confidence", a);
  check(a.confidence_level === null || CONFIDENCE.includes(a.confidence_level), "confidence_level", a);
  const texts = [
    f.universal_feedback_for_recruiters, f.universal_feedback_for_candidate, f.areas_of_improvement_for_candidate,
    f.overall_feedback_for_recruiters, ...Object.values(f.industry_specific_feedback || {}),
  ];
  check(texts.every((v) => v === null), "no model: no feedback written", f);
  check(m.engagement_level === null, "engagement_level: not measured", m);
  check(a.reason && a.reason.code === "assessment_unavailable", "reason.code says why", a.reason);
  check(a.reason && isText(a.reason.message) && a.reason.message.includes("OPENAI_API_KEY"), "reason.message names the setting", a.reason);

  // What the component's render reads is all there (null shows as such, never undefined).
  const reads = [
    a.overall_score, a.technical_score, a.final_recommendation, a.confidence_level, a.industry_type,
    m.duration, m.questions_answered, m.engagement_level, ...UNIVERSAL.map((k) => a.universal_scores[k]),
    f.universal_feedback_for_candidate, f.industry_specific_feedback.technical_feedback_for_candidate,
    f.industry_specific_feedback.domain_strengths, f.areas_of_improvement_for_candidate,
  ];
  check(reads.every((v) => v !== undefined), "every field the component renders is defined", reads);
  const labels = Object.entries(a.industry_competency_scores).map(
    ([skill, score]) => `${skill.replace(/_/g, " ").replace(/\b\w/g, (l) => l.toUpperCase())}: ${score}%`,
  );
  // It would show "null%" for a score not given: what there is, not a made-up number.
  check(labels.includes("Technical Proficiency: null%") && labels.length === 5, "the component's competency labels", labels);
}

async function main() {
  const summary = { application_id: IT_APP, answers: [], question_types: [] };

  // 1. A non-UUID application id: refused with INVALID_APPLICATION_ID, then closed.
  const bad = new AiInterviewClient("not-a-uuid");
  await bad.opened;
  const refused = await bad.expect("error");
  checkError(refused, "INVALID_APPLICATION_ID", false, "non-UUID id");
  const afterRefusal = await bad.next();
  check(afterRefusal === null, "the refused socket is closed", afterRefusal);
  summary.invalid_id = { error_code: refused.error_code, closed: bad.closed, close_code: bad.closeCode };

  // 2. The sample application: started on open.
  const client = new AiInterviewClient(IT_APP);
  await client.opened;
  const started = await client.expect("interview_started");
  check(same(keysOf(started), ["candidate_name", "duration", "job_title", "session_id", "status", "type"]), "interview_started fields", started);
  check(isText(started.session_id), "session_id", started);
  check(started.candidate_name === "Priya Nair", "candidate_name", started);
  check(started.job_title === "Python Developer", "job_title", started);
  check(started.duration === 20, "duration in minutes", started);
  check(started.status === "initialized", "status initialized", started);
  Object.assign(summary, { session_id: started.session_id, candidate_name: started.candidate_name, job_title: started.job_title });
  const sid = started.session_id;
  const q1 = await client.expect("new_question");
  checkQuestion(q1, 1, "icebreaker", "Q1");
  check(client.state.questionNumber === 1 && client.state.currentQuestion === q1.question, "the component shows Q1", client.state);
  check(formatTime(client.state.timeRemaining) === "20:00" || formatTime(client.state.timeRemaining).startsWith("19:"), "formatTime of time_remaining", client.state);
  summary.question_types.push(q1.question_type);

  // 3. The heartbeat and the status.
  client.ping();
  const pong = await client.expect("pong");
  check(same(keysOf(pong), ["timestamp", "type"]), "pong fields", pong);
  check(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(pong.timestamp), "timestamp as in the document", pong);
  check(Math.abs(Date.parse(pong.timestamp) - Date.now()) < 60000, "timestamp is now", pong);
  client.getStatus();
  const status = checkStatus(await client.expect("status_update"), "in_progress", "first status");
  check(status.session_id === sid && status.question_number === 1, "status: session and question", status);

  // 4. Answers: each is "processing", then the next question.
  const answer = async (text, number, type) => {
    client.submitAnswer(text);
    summary.answers.push(text);
    const processing = checkStatus(await client.expect("status_update"), "processing", `answer for Q${number - 1}`);
    const q = await client.expect("new_question");
    checkQuestion(q, number, type, `Q${number}`);
    summary.question_types.push(q.question_type);
    return { processing, q };
  };
  await answer("I build Django services and I like clean, well documented data models.", 2, "icebreaker");

  // 5. The pause command: the timer stops; a regular answer resumes and is the answer.
  client.submitAnswer("pause");
  const paused = await client.expect("interview_paused");
  check(same(keysOf(paused), ["message", "session_id", "time_remaining", "type"]), "interview_paused fields", paused);
  check(paused.message === "Interview has been paused" && paused.session_id === sid, "interview_paused message, session", paused);
  check(isCount(paused.time_remaining) && paused.time_remaining <= 1200, "interview_paused time_remaining", paused);
  await sleep(1200);
  client.getStatus();
  const whilePaused = checkStatus(await client.expect("status_update"), "paused", "status while paused");
  check(whilePaused.time_remaining === paused.time_remaining, "time stops counting while paused", [paused.time_remaining, whilePaused.time_remaining]);
  const resuming = "Lately a reporting service on PostgreSQL views for the finance team.";
  client.submitAnswer(resuming);
  summary.answers.push(resuming);
  const resumed = await client.expect("interview_resumed");
  check(same(resumed, { type: "interview_resumed", message: "Interview has been resumed", session_id: sid }), "interview_resumed", resumed);
  checkStatus(await client.expect("status_update"), "processing", "the resuming answer");
  const q3 = await client.expect("new_question");
  checkQuestion(q3, 3, "resume", "Q3");
  summary.question_types.push(q3.question_type);

  // 6. The component's Pause and Resume buttons, and each one twice.
  client.pauseInterview();
  const pausedAgain = await client.expect("interview_paused");
  check(pausedAgain.session_id === sid, "pause_interview", pausedAgain);
  client.pauseInterview();
  checkError(await client.expect("error"), "ALREADY_PAUSED", true, "pause twice");
  client.resumeInterview();
  const resumedAgain = await client.expect("interview_resumed");
  check(resumedAgain.message === "Interview has been resumed" && resumedAgain.session_id === sid, "resume_interview", resumedAgain);
  client.resumeInterview();
  checkError(await client.expect("error"), "NOT_PAUSED", true, "resume twice");
  client.getStatus();
  checkStatus(await client.expect("status_update"), "in_progress", "status after resume");

  await answer("I moved the monolith's slow reports to PostgreSQL views and cut them to seconds.", 4, "resume");

  // 7. The end command: processing, then interview_completed with final_assessment.
  client.submitAnswer("end");
  const generating = checkStatus(await client.expect("status_update"), "processing", "the end command");
  const done = await client.expect("interview_completed", 30000);
  check(same(keysOf(done), ["final_assessment", "message", "session_id", "type"]), "interview_completed fields", done);
  check(done.message === "Interview completed successfully", "interview_completed message", done);
  check(done.session_id === sid, "interview_completed session_id", done);
  check(!("assessment" in done), "final_assessment, not assessment", keysOf(done));
  check(client.state.completed && client.state.finalAssessment === done.final_assessment, "the component holds the assessment");
  summary.questions_answered = 3;
  checkAssessment(done.final_assessment || {}, summary.questions_answered);
  summary.final_assessment = done.final_assessment;
  summary.generating = generating.message;

  // 8. Over: answers are refused, the status says so.
  client.submitAnswer("Is anyone still there to hear this answer?");
  checkError(await client.expect("error"), "INTERVIEW_COMPLETED", false, "an answer after the end");
  client.getStatus();
  checkStatus(await client.expect("status_update"), "completed", "status after the end");
  client.close();
  summary.messages = client.log;
  return summary;
}

await run("AIINTERVIEW_BASE_URL", baseUrl, main);
