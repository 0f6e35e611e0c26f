-- Recordings of calls: each candidate answer (item_id set) and the whole call's candidate
-- track (item_id NULL), as Ogg Opus objects in the recording store under `key`. Deleting an
-- interview marks its recordings deleted in the same transaction; the sweeper then removes the
-- objects and the rows (and does the same for recordings older than the retention).
CREATE TABLE recordings (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations(id),
    call_id       TEXT NOT NULL,
    interview_id  TEXT,
    item_id       TEXT,
    key           TEXT NOT NULL,
    duration_ms   INTEGER NOT NULL,
    bytes         INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    deleted_at    INTEGER
);
CREATE INDEX recordings_interview ON recordings(org_id, interview_id);
CREATE INDEX recordings_call_item ON recordings(call_id, item_id);
CREATE INDEX recordings_created ON recordings(created_at);

-- When an interview's candidate first joined, without reading its events: the partner API's
-- `started_at` on every listed interview.
CREATE INDEX interview_events_kind ON interview_events(interview_id, kind, at_ms);
