// Server events from the oai-events data channel, applied to the transcript, indicators and errors.

import { endedByServer } from "./end.js";
import { addError } from "./errors.js";
import { renderIndicators, setCandidateSpeaking, setInterviewerSpeaking, setProgress } from "./indicators.js";
import { page } from "./state.js";
import { lineFor, lines, renderLine, speechDuration } from "./transcript.js";
import { viva } from "./viva.js";

export function onDataChannelMessage(data) {
  let text = data;
  if (typeof data !== "string") {
    try {
      text = new TextDecoder().decode(data);
    } catch {
      return;
    }
  }
  let event;
  try {
    event = JSON.parse(text);
  } catch {
    console.warn("[viva] ignored a data channel message that is not JSON");
    return;
  }
  handleServerEvent(event);
}

export function handleServerEvent(ev) {
  if (!ev || typeof ev !== "object" || typeof ev.type !== "string") return;
  viva.events.push(ev);
  let line;
  switch (ev.type) {
    case "session.created":
    case "session.updated":
      break;

    case "input_audio_buffer.speech_started":
      setCandidateSpeaking(true);
      line = lineFor("candidate", ev.item_id);
      line.meta.startMs = ev.audio_start_ms;
      if (!line.entry.final) line.meta.status = "listening";
      renderLine(line);
      break;

    case "input_audio_buffer.speech_stopped":
      setCandidateSpeaking(false);
      line = lineFor("candidate", ev.item_id);
      line.meta.endMs = ev.audio_end_ms;
      if (!line.entry.final) line.meta.status = "transcribing";
      renderLine(line);
      break;

    case "conversation.item.input_audio_transcription.delta":
      line = lineFor("candidate", ev.item_id);
      if (!line.entry.final && typeof ev.delta === "string") {
        line.entry.text += ev.delta;
        renderLine(line);
      }
      break;

    case "conversation.item.input_audio_transcription.completed":
      line = lineFor("candidate", ev.item_id);
      line.entry.text = typeof ev.transcript === "string" ? ev.transcript.trim() : line.entry.text;
      line.entry.final = true;
      line.meta.status = "done";
      renderLine(line);
      break;

    case "conversation.item.input_audio_transcription.failed": {
      line = lineFor("candidate", ev.item_id);
      const why = ev.error && ev.error.message ? `: ${ev.error.message}` : "";
      line.entry.text = `Answer recorded${speechDuration(line.meta)} — no transcript${why}`;
      line.entry.final = true;
      line.meta.status = "failed";
      renderLine(line);
      break;
    }

    case "response.created":
      if (!viva.speaking.interviewer) {
        page.interviewerNote = "thinking";
        renderIndicators();
      }
      break;

    case "response.output_audio_transcript.delta":
    case "response.audio_transcript.delta": // beta name
    case "response.output_text.delta":
    case "response.text.delta": // beta name
      line = lineFor("interviewer", ev.item_id);
      if (ev.response_id) line.meta.responseId = ev.response_id;
      if (!line.entry.final && typeof ev.delta === "string") {
        line.entry.text += ev.delta;
        renderLine(line);
      }
      break;

    case "response.output_audio_transcript.done":
    case "response.audio_transcript.done":
    case "response.output_text.done":
    case "response.text.done": {
      line = lineFor("interviewer", ev.item_id);
      if (ev.response_id) line.meta.responseId = ev.response_id;
      const final = typeof ev.transcript === "string" ? ev.transcript : ev.text;
      if (typeof final === "string" && (final !== "" || line.entry.text === "")) line.entry.text = final;
      line.entry.final = true;
      renderLine(line);
      break;
    }

    case "output_audio_buffer.started":
      setInterviewerSpeaking(true);
      break;

    case "output_audio_buffer.stopped":
      setInterviewerSpeaking(false);
      break;

    case "output_audio_buffer.cleared": {
      // The candidate spoke over the interviewer: playback was cut.
      setInterviewerSpeaking(false, "interrupted");
      const candidates = [...lines.values()].filter(
        (l) => l.entry.role === "interviewer" && (!ev.response_id || l.meta.responseId === ev.response_id),
      );
      const last = candidates[candidates.length - 1];
      if (last) {
        last.meta.interrupted = true;
        renderLine(last);
      }
      break;
    }

    case "response.done": {
      if (page.interviewerNote === "thinking") {
        page.interviewerNote = "";
        renderIndicators();
      }
      const r = ev.response || {};
      if (r.status === "failed") {
        const e = (r.status_details && r.status_details.error) || {};
        addError({
          source: "server",
          code: e.code || e.type || "response_failed",
          message: e.message || "The interviewer could not reply.",
        });
      }
      break;
    }

    case "error": {
      const e = ev.error || {};
      addError({ source: "server", code: e.code || e.type || "server_error", message: e.message || "Server error" });
      break;
    }

    case "viva.server.draining":
      // The call goes on; the candidate learns that a restart is coming.
      addError({ source: "server", code: "draining", message: typeof ev.message === "string" && ev.message ? ev.message : "The server is restarting soon." });
      break;

    case "viva.call.ended":
      endedByServer(typeof ev.reason === "string" && ev.reason ? ev.reason : "The interview was ended.");
      break;

    case "viva.interview.progress":
      setProgress(ev.question_index, ev.question_count);
      break;

    default:
      break;
  }
}
