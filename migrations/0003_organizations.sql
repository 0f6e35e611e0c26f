-- no-transaction
-- Organizations (tenants): every key, user, custom template, interview and call belongs to
-- one. What existed before moves into the default organization. Users become unique per
-- organization by email, which SQLite can only do by rebuilding the table (foreign keys off
-- while it happens, as SQLite's documentation prescribes).
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    credits     INTEGER,            -- interviews it may still create; NULL = unlimited
    created_at  INTEGER NOT NULL
);
INSERT INTO organizations (id, name, credits, created_at) VALUES ('org_default', 'default', NULL, 0);

ALTER TABLE api_keys ADD COLUMN org_id TEXT NOT NULL DEFAULT 'org_default' REFERENCES organizations(id);

CREATE TABLE users_by_org (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id),
    email       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (org_id, email)
);
INSERT INTO users_by_org (id, org_id, email, created_at)
    SELECT id, 'org_default', email, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_by_org RENAME TO users;

-- NULL: a built-in template, everyone's.
ALTER TABLE templates ADD COLUMN org_id TEXT REFERENCES organizations(id);
UPDATE templates SET org_id = 'org_default' WHERE builtin = 0;

ALTER TABLE interviews ADD COLUMN org_id TEXT NOT NULL DEFAULT 'org_default' REFERENCES organizations(id);
CREATE INDEX interviews_org ON interviews(org_id, started_at);

ALTER TABLE calls ADD COLUMN org_id TEXT NOT NULL DEFAULT 'org_default' REFERENCES organizations(id);

COMMIT;
PRAGMA foreign_keys = ON;
