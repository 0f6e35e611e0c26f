-- Signed webhooks (`webhooks` module). interview_events is the transactional outbox: the
-- dispatcher turns the events after `webhook_cursor.last_seq` into one delivery per matching
-- endpoint and advances the cursor in the same transaction, so a crash neither loses nor
-- duplicates a delivery; the worker then sends the pending ones.
CREATE TABLE webhook_endpoints (
    id           TEXT PRIMARY KEY,               -- wh_…
    org_id       TEXT NOT NULL REFERENCES organizations(id),
    url          TEXT NOT NULL,
    secret       TEXT NOT NULL,                  -- whsec_<base64>
    events       TEXT NOT NULL DEFAULT '[]',     -- JSON array of event types; empty = all
    created_at   INTEGER NOT NULL,
    disabled_at  INTEGER                         -- deleted: no new deliveries, none sent
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints(org_id, disabled_at);

CREATE TABLE webhook_deliveries (
    id                TEXT PRIMARY KEY,          -- msg_…, the Standard Webhooks webhook-id
    endpoint_id       TEXT NOT NULL REFERENCES webhook_endpoints(id),
    org_id            TEXT NOT NULL,
    event_seq         INTEGER NOT NULL,          -- interview_events.seq
    event_type        TEXT NOT NULL,             -- interview.created, …
    interview_id      TEXT NOT NULL DEFAULT '',  -- ordering key: one interview's in order
    payload           TEXT NOT NULL,             -- the exact JSON body sent
    status            TEXT NOT NULL DEFAULT 'pending', -- pending | delivered | failed
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER NOT NULL,
    last_status_code  INTEGER,
    last_error        TEXT,
    last_attempt_at   INTEGER,
    created_at        INTEGER NOT NULL,
    delivered_at      INTEGER,
    UNIQUE (endpoint_id, event_seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_order ON webhook_deliveries(endpoint_id, interview_id, status, event_seq);

-- The last interview_events.seq turned into deliveries (one row). Events from before webhooks
-- existed had no endpoints to go to.
CREATE TABLE webhook_cursor (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq  INTEGER NOT NULL
);
INSERT INTO webhook_cursor (id, last_seq)
    SELECT 1, COALESCE(MAX(seq), 0) FROM interview_events;
