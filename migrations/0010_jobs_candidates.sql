-- Jobs, candidates and applications (a candidate applying to a job): an organization's
-- hiring data, which the WebSocket interview facades (seeds 003 and 004) read to shape an
-- interview's plan. Ids are unique per organization: another organization's row is never
-- found. Lists of strings are JSON arrays; times are Unix milliseconds.
CREATE TABLE jobs (
    org_id            TEXT NOT NULL REFERENCES organizations(id),
    id                TEXT NOT NULL,
    title             TEXT NOT NULL,
    company           TEXT NOT NULL,
    description       TEXT NOT NULL,
    requirements      TEXT NOT NULL,
    location          TEXT NOT NULL,
    salary_range      TEXT NOT NULL,
    experience_level  TEXT NOT NULL,
    skills_required   TEXT NOT NULL,
    industry          TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX jobs_created ON jobs(org_id, created_at);

CREATE TABLE candidates (
    org_id       TEXT NOT NULL REFERENCES organizations(id),
    id           TEXT NOT NULL,
    name         TEXT NOT NULL,
    email        TEXT,
    resume_text  TEXT,
    resume_url   TEXT,
    skills       TEXT NOT NULL,
    experience   TEXT NOT NULL,
    education    TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX candidates_created ON candidates(org_id, created_at);

CREATE TABLE applications (
    org_id        TEXT NOT NULL REFERENCES organizations(id),
    id            TEXT NOT NULL,
    job_id        TEXT NOT NULL,
    candidate_id  TEXT NOT NULL,
    industry      TEXT,
    status        TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, job_id) REFERENCES jobs(org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, candidate_id) REFERENCES candidates(org_id, id) ON DELETE CASCADE
);
CREATE INDEX applications_created ON applications(org_id, created_at);
CREATE INDEX applications_job ON applications(org_id, job_id);
CREATE INDEX applications_candidate ON applications(org_id, candidate_id);
