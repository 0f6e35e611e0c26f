#!/usr/bin/env node
// Seed 004's test page (`/interview_test.html`) driven to completion in headless Chromium
// against a running Viva server: connect (the page starts the interview on open), answer two
// questions, pause, resume, ping, end; then read what the page shows: the questions and their
// types, the progress bar, the timer, the log, and the final assessment.
//
//   VIVA_URL=http://127.0.0.1:8080 node interview_test.mjs
//
// Environment:
//   VIVA_URL          base URL of the server (required)
//   VIVA_APPLICATION  application id, default the seed's first sample id
//   VIVA_TIMEOUT_MS   overall limit, default 30000
//   CHROMIUM          browser binary, default /usr/bin/chromium
//
// Prints one JSON line on stdout; exit 0 when every step was seen, 1 otherwise.

import { chromium } from "playwright-core";

const env = process.env;
const base = (env.VIVA_URL || "").replace(/\/+$/, "");
const application = env.VIVA_APPLICATION || "550e8400-e29b-41d4-a716-446655440000";
const limit = Number(env.VIVA_TIMEOUT_MS || 30000);
const summary = { ok: false, questions: [], types: [], errors: [] };

async function run(page) {
  const wait = { timeout: limit };
  await page.goto(`${base}/interview_test.html?application_id=${application}`);
  await page.click("#start");
  const questionIs = (n) =>
    page.waitForFunction((n) => document.getElementById("question-number").textContent === `Question ${n}`, n, wait);
  const record = async () => {
    summary.questions.push(await page.textContent("#question"));
    summary.types.push(await page.textContent("#question-type"));
  };
  await questionIs(1);
  await record();
  summary.progress = await page.textContent("#progress-bar");
  summary.timer = await page.textContent("#timer");
  await page.fill("#answer", "I have five years of Python and Django experience.");
  await page.click("#submit");
  await questionIs(2);
  await record();
  await page.click("#pause");
  await page.waitForSelector("#paused-note:not([hidden])", wait);
  await page.click("#resume");
  await page.waitForSelector("#paused-note", { state: "hidden", ...wait });
  await page.click("#ping");
  await page.waitForFunction(() => document.getElementById("log").textContent.includes("pong"), null, wait);
  await page.fill("#answer", "Lately a reporting service built on PostgreSQL views.");
  await page.click("#submit");
  await questionIs(3);
  await record();
  await page.click("#end");
  await page.waitForSelector("#assessment:not([hidden])", wait);
  const fields = await page.$$eval("#assessment dd", (dds) =>
    Object.fromEntries(dds.map((dd) => [dd.dataset.field, dd.textContent])),
  );
  summary.assessment = {
    fields,
    industry: await page.textContent("#industry"),
    industryScores: await page.$$eval("#industry-scores li", (li) => li.map((l) => l.textContent)),
    reason: await page.textContent("#reason"),
  };
  summary.finalProgress = await page.textContent("#progress-bar");
  summary.log = await page.$$eval("#log li", (li) => li.map((l) => l.textContent));
  summary.status = await page.textContent("#status");
  summary.ok = true;
}

const browser = await chromium.launch({
  executablePath: env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
const timer = setTimeout(() => {
  summary.reason = `timed out after ${limit} ms`;
  console.log(JSON.stringify(summary));
  process.exit(1);
}, limit + 5000);
try {
  if (!base) throw new Error("VIVA_URL is required");
  const page = await browser.newPage();
  page.on("console", (m) => m.type() === "error" && summary.errors.push(m.text()));
  page.on("pageerror", (e) => summary.errors.push(String(e)));
  await run(page);
} catch (error) {
  summary.ok = false;
  summary.reason = String(error?.message || error);
} finally {
  clearTimeout(timer);
  await browser.close();
}
console.log(JSON.stringify(summary));
process.exit(summary.ok ? 0 : 1);
