-- Interviews as other systems name them: a facade's own id for an interview (seed 002's
-- `sessionId`), unique per organization and system, so creating with the same id again finds
-- the same interview.
CREATE TABLE external_ids (
    org_id        TEXT NOT NULL REFERENCES organizations(id),
    system        TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    interview_id  TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (org_id, system, external_id)
);
CREATE INDEX external_ids_interview ON external_ids(interview_id);
