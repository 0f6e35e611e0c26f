// The public test surface: window.viva, kept up to date for automated tests and debugging.

/** Kept up to date for automated tests and debugging. */
export const viva = {
  state: "idle", // idle | connecting | connected | ended | failed
  phase: "idle", // finer: idle | token | mic | connecting | connected | reconnecting | ending | ended | failed
  callId: null,
  events: [], // every server event object received on oai-events, in order
  transcript: [], // { role: "interviewer" | "candidate", itemId, text, final }
  errors: [], // { source, code, message, status? }
  pc: null,
  iceTransportPolicy: null, // "all" | "relay" once the call's RTCPeerConnection exists
  iceServers: 0, // how many ICE servers the server handed out
  progress: null, // { question_index, question_count } from viva.interview.progress
  speaking: { interviewer: false, candidate: false },
  /** Feeds one server event through the same path as the data channel (for tests); set by app.js. */
  inject: null,
  /** Shows an error as if it had happened (for tests); set by app.js. */
  showError: null,
};
window.viva = viva;
