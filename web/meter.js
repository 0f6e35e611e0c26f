// The call timer and the microphone level meter.

import { page } from "./state.js";
import { ui } from "./ui.js";

function formatDuration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(s).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function renderTimer() {
  if (!page.call || !page.call.connectedAt) return;
  ui.timer.textContent = formatDuration(performance.now() - page.call.connectedAt);
}

export function elapsedLabel() {
  return page.call && page.call.connectedAt ? formatDuration(performance.now() - page.call.connectedAt) : "";
}

export function setLevel(level) {
  ui.meterFill.style.transform = `scaleX(${level.toFixed(3)})`;
  ui.youRing.style.setProperty("--level", level.toFixed(3));
}

/** Microphone level: RMS of the local stream in dBFS, mapped to 0..1, fast attack, slow release. */
export function startMeter(c) {
  const ctx = c.audioCtx;
  if (!ctx || !c.stream) return;
  if (ctx.state === "suspended") ctx.resume().catch(() => {});
  let analyser;
  try {
    const source = ctx.createMediaStreamSource(c.stream);
    analyser = ctx.createAnalyser();
    analyser.fftSize = 1024;
    source.connect(analyser); // not to the destination: no local echo
  } catch (err) {
    console.warn(`[viva] level meter unavailable: ${err && err.message}`);
    return;
  }
  const samples = new Float32Array(analyser.fftSize);
  let level = 0;
  let lastAria = 0;
  const tick = (now) => {
    if (c !== page.call || c.closing) return;
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
    const rms = Math.sqrt(sum / samples.length);
    const db = 20 * Math.log10(rms + 1e-9);
    const target = page.micMuted ? 0 : Math.min(1, Math.max(0, (db + 60) / 50)); // -60..-10 dBFS
    level += (target - level) * (target > level ? 0.45 : 0.08);
    setLevel(level);
    if (now - lastAria > 300) {
      ui.meter.setAttribute("aria-valuenow", String(Math.round(level * 100)));
      lastAria = now;
    }
    c.raf = requestAnimationFrame(tick);
  };
  c.raf = requestAnimationFrame(tick);
}
