-- What happened to interviews and in their calls, in order: the domain events of
-- `interview::events`, each written in the transaction of the change it describes (the outbox
-- that webhooks and other subscribers read).
CREATE TABLE interview_events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    interview_id  TEXT,
    call_id       TEXT,
    kind          TEXT NOT NULL,
    event         TEXT NOT NULL,  -- the whole event, JSON
    at_ms         INTEGER NOT NULL
);
CREATE INDEX interview_events_interview ON interview_events(interview_id, seq);
CREATE INDEX interview_events_call ON interview_events(call_id, seq);
