-- The passport in the profile, and changes that wait for a check (the scan is kept with them).
ALTER TABLE accounts ADD COLUMN passport TEXT;

CREATE TABLE profile_reviews (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    field TEXT NOT NULL,
    new_value TEXT NOT NULL,
    scan_mime TEXT NOT NULL,
    scan BLOB NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT
);
CREATE INDEX profile_reviews_status ON profile_reviews (status, created_at);

ALTER TABLE profile_changes ADD COLUMN review_id TEXT;
