// What the browser scripts (call.mjs, agents.mjs) share: a failure type, a promise with a
// deadline, and headless Chromium started the way a candidate's browser runs (Debian's binary,
// fake microphone from a WAV, audio not muted, loopback ICE allowed).

import { chromium } from "playwright-core";

/** A check that failed: the script reports it as its `reason`. */
export class Failure extends Error {}

/** `promise`, or a Failure naming `what` after `ms`. */
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Failure(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Headless Chromium at `executablePath` whose microphone plays `wav` in a loop. */
export function launchChromium(executablePath, wav) {
  return chromium.launch({
    executablePath,
    headless: true, // Playwright gives each launch a fresh temporary profile
    // Playwright mutes headless audio by default; keep the call's audio path as a user has it.
    ignoreDefaultArgs: ["--mute-audio"],
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-audio-capture=${wav}`,
      "--autoplay-policy=no-user-gesture-required",
      "--allow-loopback-in-peer-connection",
    ],
  });
}
