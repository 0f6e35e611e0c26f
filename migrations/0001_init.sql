-- Viva's schema: integrators' keys, users, interview templates and interviews, and what
-- calls produce. Times are Unix milliseconds.

CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    email       TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    prefix      TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE,
    admin       INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE TABLE templates (
    id               TEXT PRIMARY KEY,
    title            TEXT NOT NULL,
    focus_area       TEXT NOT NULL,
    question_kinds   TEXT NOT NULL,  -- JSON array of strings
    questions        TEXT NOT NULL,  -- JSON array of strings
    question_count   INTEGER NOT NULL,
    duration_minutes INTEGER NOT NULL,
    instructions     TEXT NOT NULL,
    builtin          INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL
);

CREATE TABLE interviews (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id),
    template_id   TEXT NOT NULL REFERENCES templates(id),
    status        TEXT NOT NULL,
    started_at    INTEGER NOT NULL,
    completed_at  INTEGER,
    progress_data TEXT NOT NULL,     -- JSON object
    questions     TEXT NOT NULL,     -- JSON array: the plan, fixed at creation
    context       TEXT
);
CREATE INDEX interviews_user ON interviews(user_id, started_at);

CREATE TABLE calls (
    call_id       TEXT PRIMARY KEY,
    secret_id     TEXT NOT NULL,
    interview_id  TEXT,
    started_at    INTEGER NOT NULL,
    ended_at      INTEGER,
    end_reason    TEXT
);

CREATE TABLE call_items (
    call_id          TEXT NOT NULL REFERENCES calls(call_id),
    item_id          TEXT NOT NULL,
    position         INTEGER NOT NULL,
    role             TEXT NOT NULL,
    text             TEXT,
    audio_ms         INTEGER,
    truncated_at_ms  INTEGER,
    at_ms            INTEGER NOT NULL,
    PRIMARY KEY (call_id, item_id)
);
