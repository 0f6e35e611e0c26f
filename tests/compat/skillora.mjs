// Seed 000's JavaScript SDK against Viva's partner mock-interview API: the `SkilliraAPI` class
// as the seed writes it (same paths, headers, bodies, `response.json()` on every response,
// DELETE included), its `makeRequest` for the documented errors, and the seed's raw-fetch
// examples for UNIVERSITY (verbatim, camelCase key and all) and RESUME. Plain `fetch`, no deps.
//
//   SKILLORA_BASE_URL=http://127.0.0.1:8080/v1 SKILLORA_API_KEY=sk_… node skillora.mjs
//
// Prints one JSON line: {ok, failures, checks, …}; exits 1 when a check failed.

import { embedInterview } from "../../web/params.js";

const baseURL = process.env.SKILLORA_BASE_URL;
const apiKey = process.env.SKILLORA_API_KEY;

class SkilliraAPIError extends Error {
  constructor(message, status, response) {
    super(message);
    this.name = "SkilliraAPIError";
    this.status = status;
    this.response = response;
  }
}

// The seed's class, its methods as written (console noise left out).
class SkilliraAPI {
  constructor(config) {
    this.baseURL = config.baseURL || "https://api.skillora.ai/v1";
    this.apiKey = config.apiKey;
    this.jwtToken = config.jwtToken;
  }

  getHeaders() {
    const headers = { "Content-Type": "application/json" };
    if (this.apiKey) headers["Authorization"] = `Bearer ${this.apiKey}`;
    else if (this.jwtToken) headers["Authorization"] = `Bearer ${this.jwtToken}`;
    return headers;
  }

  async post(requestBody) {
    const response = await fetch(`${this.baseURL}/partners/mock-interviews/`, {
      method: "POST",
      headers: this.getHeaders(),
      body: JSON.stringify(requestBody),
    });
    if (!response.ok) throw new Error(`HTTP error! status: ${response.status}`);
    return await response.json();
  }

  async createJobInterview(data) {
    const requestBody = {
      focus_area: "JOB",
      job_title: data.jobTitle,
      job_description: data.jobDescription,
      years_of_experience: data.yearsOfExperience,
      industry: data.industry,
      target_company: data.targetCompany,
      additional_customization: data.additionalCustomization,
    };
    if (this.apiKey && data.email) requestBody.email = data.email;
    return this.post(requestBody);
  }

  async createSkillInterview(data) {
    const requestBody = {
      focus_area: "SKILL",
      topic: data.topic,
      difficulty_level: data.difficultyLevel,
      target_company: data.targetCompany,
      additional_customization: data.additionalCustomization,
    };
    if (this.apiKey && data.email) requestBody.email = data.email;
    return this.post(requestBody);
  }

  async createBehavioralInterview(data) {
    const requestBody = {
      focus_area: "BEHAVIOURAL",
      behavioral_topic: data.behavioralTopic,
      job_title: data.jobTitle,
      job_description: data.jobDescription,
      years_of_experience: data.yearsOfExperience,
      industry: data.industry,
      target_company: data.targetCompany,
      additional_customization: data.additionalCustomization,
    };
    if (this.apiKey && data.email) requestBody.email = data.email;
    return this.post(requestBody);
  }

  async listInterviews(filters = {}) {
    const params = new URLSearchParams();
    if (filters.page) params.append("page", filters.page);
    if (filters.pageSize) params.append("page_size", filters.pageSize);
    if (filters.status) params.append("status", filters.status);
    if (filters.focusArea) params.append("focus_area", filters.focusArea);
    const url = `${this.baseURL}/partners/mock-interviews/?${params.toString()}`;
    const response = await fetch(url, { method: "GET", headers: this.getHeaders() });
    if (!response.ok) throw new Error(`HTTP error! status: ${response.status}`);
    return await response.json();
  }

  async getInterview(interviewId) {
    const response = await fetch(`${this.baseURL}/partners/mock-interviews/${interviewId}/`, {
      method: "GET",
      headers: this.getHeaders(),
    });
    if (!response.ok) throw new Error(`HTTP error! status: ${response.status}`);
    return await response.json();
  }

  async deleteInterview(interviewId) {
    const response = await fetch(`${this.baseURL}/partners/mock-interviews/${interviewId}/`, {
      method: "DELETE",
      headers: this.getHeaders(),
    });
    if (!response.ok) throw new Error(`HTTP error! status: ${response.status}`);
    return await response.json();
  }

  async getInterviewMessages(interviewId, page = 1, includeVideoUrls = false) {
    const params = new URLSearchParams();
    params.append("page", page);
    if (includeVideoUrls) params.append("include_video_urls", "true");
    const response = await fetch(
      `${this.baseURL}/partners/mock-interviews/${interviewId}/messages/?${params.toString()}`,
      { method: "GET", headers: this.getHeaders() },
    );
    if (!response.ok) throw new Error(`HTTP error! status: ${response.status}`);
    return await response.json();
  }

  // The seed's "Enhanced API method with proper error handling".
  async makeRequest(url, options) {
    try {
      const response = await fetch(url, options);
      const data = await response.json();
      if (!response.ok) {
        throw new SkilliraAPIError(data.error || `HTTP error! status: ${response.status}`, response.status, data);
      }
      return data;
    } catch (error) {
      if (error instanceof SkilliraAPIError) throw error;
      throw new SkilliraAPIError("Network error", 0, null);
    }
  }
}

const failures = [];
let checks = 0;
function check(ok, what, detail) {
  checks += 1;
  if (!ok) failures.push(detail === undefined ? what : `${what}: ${JSON.stringify(detail)}`);
}
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** The status and body of a request the seed's makeRequest refuses. */
async function refusal(client, path, options = {}) {
  try {
    await client.makeRequest(`${client.baseURL}${path}`, { headers: client.getHeaders(), ...options });
    return { status: 200, body: null };
  } catch (e) {
    return { status: e.status, body: e.response };
  }
}

const CREATE_KEYS = ["interview_details", "interview_url", "tokens", "organization"];
const DETAIL_KEYS = [
  "id", "user", "score", "status", "created_at", "started_at", "ended_at", "focus_area",
  "job_title", "job_description", "years_of_experience", "industry", "target_company",
  "additional_customization", "topic", "behavioral_topic", "university", "program",
  "difficulty_level", "resume", "analysis", "learning_resources", "weak_areas", "strong_areas",
  "key_area_assessments",
];
const ITEM_KEYS = [
  "id", "user", "score", "status", "created_at", "started_at", "focus_area", "job_title",
  "target_company", "difficulty_level", "topic", "behavioral_topic", "weak_areas", "strong_areas",
  "key_area_assessments", "learning_resources",
];
const PAGINATION_KEYS = ["page", "pages", "per_page", "total", "has_next", "has_previous"];
const hasKeys = (obj, keys) => obj && typeof obj === "object" && keys.every((k) => k in obj);

async function main() {
  if (!baseURL || !apiKey) throw new Error("SKILLORA_BASE_URL and SKILLORA_API_KEY are required");
  const skillora = new SkilliraAPI({ baseURL, apiKey });
  const summary = { created: {}, credits: [] };

  // 1. Create: every focus area with the API key (the seed's usage examples).
  const job = await skillora.createJobInterview({
    email: "candidate@example.com",
    jobTitle: "Senior Software Engineer",
    jobDescription: "We are looking for a senior software engineer with experience in React, Node.js, and AWS...",
    yearsOfExperience: 5,
    industry: "Technology",
    targetCompany: "Google",
    additionalCustomization: "Focus on system design and scalability questions",
  });
  check(hasKeys(job, CREATE_KEYS), "create response keys", Object.keys(job));
  check(hasKeys(job.interview_details, DETAIL_KEYS), "interview_details keys", Object.keys(job.interview_details));
  const d = job.interview_details;
  check(d.status === "UNATTEMPTED" && d.focus_area === "JOB" && d.years_of_experience === 5, "job details", d);
  check(d.started_at === null && d.ended_at === null && d.analysis === null && d.topic === null, "job nulls", d);
  check(same(d.weak_areas, {}) && same(d.key_area_assessments, {}), "empty assessments", d);
  check(Array.isArray(d.questions) && d.questions.length === 10 && d.questions[0].includes("Senior Software Engineer"), "job plan", d.questions);
  check(typeof job.tokens.access === "string" && typeof job.tokens.refresh === "string", "tokens", job.tokens);
  check(job.interview_url.includes(`/embed/ai-interview/${d.id}/?access=`) && !job.interview_url.includes(job.tokens.access), "interview_url (a join token, not the access token)", job.interview_url);
  check(typeof job.organization.id === "string" && typeof job.organization.name === "string", "organization", job.organization);
  summary.created.JOB = d.id;
  summary.credits.push(job.organization.remaining_credits);

  const skill = await skillora.createSkillInterview({
    email: "second@example.com",
    topic: "JavaScript Advanced Concepts",
    difficultyLevel: 3,
    targetCompany: "Meta",
    additionalCustomization: "Focus on closures, prototypes, and async programming",
  });
  check(skill.interview_details.difficulty_level === 3 && skill.interview_details.topic === "JavaScript Advanced Concepts", "skill details", skill.interview_details);
  check(skill.interview_details.job_title === null, "skill has no job_title", skill.interview_details);
  summary.created.SKILL = skill.interview_details.id;
  summary.credits.push(skill.organization.remaining_credits);

  const behavioural = await skillora.createBehavioralInterview({
    email: "third@example.com",
    behavioralTopic: "conflict resolution",
    jobTitle: "Engineering Manager",
    yearsOfExperience: 8,
  });
  check(behavioural.interview_details.behavioral_topic === "conflict resolution" && behavioural.interview_details.years_of_experience === 8, "behavioural details", behavioural.interview_details);
  summary.created.BEHAVIOURAL = behavioural.interview_details.id;
  summary.credits.push(behavioural.organization.remaining_credits);

  // The seed's example 3, verbatim: its camelCase additionalCustomization is not a field.
  const universityInterviewData = {
    email: "student@example.com",
    university: "Stanford University",
    program: "Computer Science PhD",
    additionalCustomization: "Focus on research experience and academic background",
  };
  const uniResponse = await fetch(`${skillora.baseURL}/partners/mock-interviews/`, {
    method: "POST",
    headers: skillora.getHeaders(),
    body: JSON.stringify({ focus_area: "UNIVERSITY", ...universityInterviewData }),
  });
  const university = await uniResponse.json();
  check(uniResponse.status === 201, "university created", university);
  check(university.interview_details.program === "Computer Science PhD" && university.interview_details.additional_customization === null, "university details", university.interview_details);
  summary.created.UNIVERSITY = university.interview_details.id;
  summary.credits.push(university.organization.remaining_credits);

  const resume = await skillora.makeRequest(`${skillora.baseURL}/partners/mock-interviews/`, {
    method: "POST",
    headers: skillora.getHeaders(),
    body: JSON.stringify({
      focus_area: "RESUME",
      email: "fourth@example.com",
      resume: "Ada Lovelace. Wrote the first published algorithm for the Analytical Engine.",
      job_title: "Research Engineer",
      number_of_questions: 3,
    }),
  });
  check(resume.interview_details.questions.length === 3 && resume.interview_details.number_of_questions === 3, "resume plan", resume.interview_details);
  summary.created.RESUME = resume.interview_details.id;
  summary.credits.push(resume.organization.remaining_credits);

  // 2. A user's JWT (a create's tokens.access): no email, the user is the token's.
  const asCandidate = new SkilliraAPI({ baseURL, jwtToken: job.tokens.access });
  const own = await asCandidate.createSkillInterview({ topic: "SQL window functions", difficultyLevel: 1 });
  check(own.interview_details.user === d.user, "JWT create is the token's user", own.interview_details);
  summary.created.JWT_SKILL = own.interview_details.id;
  const mine = await asCandidate.listInterviews({ page: 1, pageSize: 20 });
  summary.jwt_list_total = mine.pagination.total;
  check(mine.results.every((r) => r.user.id === d.user && r.user.email === "candidate@example.com"), "JWT list is the user's", mine.results);
  const theirs = await refusal(asCandidate, `/partners/mock-interviews/${summary.created.SKILL}/`);
  check(theirs.status === 404 && theirs.body.error === "Mock assessment not found", "JWT get of another user's", theirs);

  // 3. List: filters and pagination.
  const all = await skillora.listInterviews({ page: 1, pageSize: 20 });
  check(hasKeys(all.pagination, PAGINATION_KEYS) && hasKeys(all.organization, ["id", "name", "remaining_credits"]), "list envelope", all);
  check(all.results.every((r) => hasKeys(r, ITEM_KEYS) && hasKeys(r.user, ["id", "email", "first_name", "last_name"])), "list item keys", all.results[0]);
  summary.list_total = all.pagination.total;
  const count = async (filters) => (await skillora.listInterviews(filters)).pagination.total;
  summary.filters = {
    UNATTEMPTED: await count({ status: "UNATTEMPTED" }),
    IN_PROGRESS: await count({ status: "IN_PROGRESS" }),
    COMPLETED: await count({ status: "COMPLETED", page: 1, pageSize: 10 }),
    INCOMPLETE: await count({ status: "INCOMPLETE" }),
    JOB: await count({ focusArea: "JOB" }),
    TOPIC: await count({ focusArea: "TOPIC" }),
    SKILL: await count({ focusArea: "SKILL" }),
    RESUME: await count({ focusArea: "RESUME" }),
    UNIVERSITY: await count({ focusArea: "UNIVERSITY" }),
    BEHAVIORAL: await count({ focusArea: "BEHAVIORAL" }),
    BEHAVIOURAL: await count({ focusArea: "BEHAVIOURAL" }),
  };
  const seen = [];
  let page = 1;
  const pages = [];
  while (true) {
    const p = await skillora.listInterviews({ page, pageSize: 4 });
    pages.push({ n: p.results.length, has_next: p.pagination.has_next, has_previous: p.pagination.has_previous, pages: p.pagination.pages });
    seen.push(...p.results.map((r) => r.id));
    if (!p.pagination.has_next || page > 10) break;
    page++;
  }
  summary.pages = pages;
  check(new Set(seen).size === all.pagination.total && seen.length === all.pagination.total, "pages cover the list once", seen);

  // 4. Get and messages.
  const got = await skillora.getInterview(d.id);
  check(hasKeys(got, DETAIL_KEYS) && got.id === d.id && got.target_company === "Google", "get", got);
  const messages = await skillora.getInterviewMessages(d.id);
  const withVideo = await skillora.getInterviewMessages(d.id, 1, true);
  check(Array.isArray(messages.results) && hasKeys(messages.pagination, PAGINATION_KEYS), "messages shape", messages);
  check(same(messages, withVideo), "include_video_urls changes nothing yet", withVideo);
  summary.messages_total = messages.pagination.total;

  // 5. The documented errors.
  const post = (body, client = skillora) =>
    refusal(client, "/partners/mock-interviews/", { method: "POST", body: JSON.stringify(body) });
  summary.errors = {
    invalid_focus_area: await post({ focus_area: "DANCE", email: "x@example.com" }),
    missing_field: await post({ focus_area: "JOB", email: "x@example.com", job_title: "Chef", years_of_experience: 2 }),
    no_email: await post({ focus_area: "SKILL", topic: "SQL" }),
    bad_key: await post({ focus_area: "SKILL", topic: "SQL" }, new SkilliraAPI({ baseURL, apiKey: "sk_not_a_key" })),
    bad_key_list: await refusal(new SkilliraAPI({ baseURL, apiKey: "sk_not_a_key" }), "/partners/mock-interviews/"),
    get_missing: await refusal(skillora, "/partners/mock-interviews/00000000-0000-4000-8000-000000000000/"),
    delete_missing: await refusal(skillora, "/partners/mock-interviews/00000000-0000-4000-8000-000000000000/", { method: "DELETE" }),
    messages_missing: await refusal(skillora, "/partners/mock-interviews/nope/messages/"),
    bad_status: await refusal(skillora, "/partners/mock-interviews/?status=DONE"),
  };

  // 6. Delete (the SDK reads the JSON body), then it is gone.
  summary.deleted = await skillora.deleteInterview(summary.created.RESUME);
  summary.after_delete = await refusal(skillora, `/partners/mock-interviews/${summary.created.RESUME}/`);
  summary.list_total_after_delete = (await skillora.listInterviews()).pagination.total;

  // 7. The interview_url: the page, framable, and what it does with the link.
  const embedRes = await fetch(job.interview_url);
  const html = await embedRes.text();
  summary.embed = {
    status: embedRes.status,
    content_type: embedRes.headers.get("content-type"),
    csp: embedRes.headers.get("content-security-policy"),
    is_page: html.includes('src="/assets/app.js"'),
  };
  const link = embedInterview(new URL(job.interview_url));
  check(link && link.interviewId === d.id && job.interview_url.endsWith(`access=${link.access}`), "the page reads the link", link);
  const creds = await fetch(`${new URL(job.interview_url).origin}/api/v1/interviews/${link.interviewId}/credentials`, {
    method: "POST",
    headers: { Authorization: `Bearer ${link.access}` },
  });
  const credsBody = await creds.json();
  const secret = credsBody.session_token && credsBody.session_token.client_secret.value;
  summary.embed.secret_ok = creds.status === 200 && typeof secret === "string" && secret.startsWith("ek_");
  summary.embed.instructions_carry_plan = d.questions.every((q) => credsBody.session_token.instructions.includes(q));
  summary.embed.instructions_carry_context = credsBody.session_token.instructions.includes("Focus on system design");
  return summary;
}

try {
  const summary = await main();
  const ok = failures.length === 0;
  console.log(JSON.stringify({ ok, checks, failures, ...summary }));
  process.exit(ok ? 0 : 1);
} catch (error) {
  console.log(JSON.stringify({ ok: false, checks, failures: [...failures, `threw: ${error && error.stack}`] }));
  process.exit(1);
}
