-- Interview results (the `assess` module): one per interview, replaced when it is assessed
-- again, deleted with the interview. `state`: pending | done | unavailable | failed; `reason`
-- is why it is unavailable or the error code of a failure; the assessment is JSON (without its
-- answers, which are rows of interview_result_answers, keyed by the candidate's item id).
CREATE TABLE interview_results (
    interview_id       TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organizations(id),
    state              TEXT NOT NULL,
    reason             TEXT,
    error              TEXT,
    attempts           INTEGER NOT NULL DEFAULT 0,
    model              TEXT,
    transcript_digest  TEXT NOT NULL,
    assessment         TEXT,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX interview_results_org ON interview_results(org_id, state);

CREATE TABLE interview_result_answers (
    interview_id  TEXT NOT NULL REFERENCES interview_results(interview_id) ON DELETE CASCADE,
    item_id       TEXT NOT NULL,
    position      INTEGER NOT NULL,
    score         REAL,
    analysis      TEXT,
    ideal_answer  TEXT,
    PRIMARY KEY (interview_id, item_id)
);
