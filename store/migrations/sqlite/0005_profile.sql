-- «История изменений» of the profile: every change, applied or refused, with the values masked
-- where they are sensitive.
CREATE TABLE profile_changes (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    field TEXT NOT NULL,
    old_value TEXT NOT NULL,
    new_value TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    changed_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX profile_changes_account ON profile_changes (account_id, created_at);
