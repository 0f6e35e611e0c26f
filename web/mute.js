// Mute controls for the microphone and the speaker.

import { renderIndicators } from "./indicators.js";
import { page } from "./state.js";
import { ui } from "./ui.js";

export function applyMicMute() {
  if (page.call && page.call.stream) page.call.stream.getAudioTracks().forEach((t) => (t.enabled = !page.micMuted));
}

export function toggleMic() {
  page.micMuted = !page.micMuted;
  applyMicMute();
  ui.muteMic.setAttribute("aria-pressed", String(page.micMuted));
  renderIndicators();
}

export function toggleSpeaker() {
  page.speakerMuted = !page.speakerMuted;
  ui.audio.muted = page.speakerMuted;
  ui.muteSpeaker.setAttribute("aria-pressed", String(page.speakerMuted));
}
