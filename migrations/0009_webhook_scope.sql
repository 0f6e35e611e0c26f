-- A webhook endpoint may be bound to one interview (seed 002's per-session `callbackUrl`):
-- it gets that interview's events only. NULL: every interview of its organization.
ALTER TABLE webhook_endpoints ADD COLUMN interview_id TEXT;
CREATE INDEX webhook_endpoints_interview ON webhook_endpoints(interview_id);
