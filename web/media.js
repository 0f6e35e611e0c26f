// Browser WebRTC helpers: opening the microphone and waiting for ICE gathering.

import { VivaError } from "./errors.js";

export async function getMicrophone() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    throw new VivaError(
      "This browser cannot use a microphone here. Open the page over https in an up-to-date browser.",
      "microphone_unavailable",
    );
  }
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
  } catch (err) {
    const name = err && err.name;
    if (name === "NotAllowedError" || name === "SecurityError") {
      throw new VivaError(
        "Microphone access is blocked. Allow the microphone for this site in your browser settings, then try again.",
        "microphone_blocked",
      );
    }
    if (name === "NotFoundError" || name === "OverconstrainedError") {
      throw new VivaError("No microphone was found. Connect one and try again.", "microphone_not_found");
    }
    if (name === "NotReadableError" || name === "AbortError") {
      throw new VivaError(
        "The microphone is in use by another app or could not be started. Close other apps using it and try again.",
        "microphone_busy",
      );
    }
    throw new VivaError(`The microphone could not be started: ${err && err.message}`, "microphone_error");
  }
}

export function waitForIceGathering(pc, timeoutMs) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", onChange);
      pc.removeEventListener("icecandidate", onCandidate);
      resolve();
    };
    const onChange = () => pc.iceGatheringState === "complete" && done();
    const onCandidate = (e) => !e.candidate && done();
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener("icegatheringstatechange", onChange);
    pc.addEventListener("icecandidate", onCandidate);
  });
}
