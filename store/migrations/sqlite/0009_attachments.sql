-- Files people attach to reports, requests and messages. A file is uploaded first (kept by its
-- uploader's account) and then linked to what it belongs to; unlinked uploads older than a day
-- are removed by the job.
CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    policyholder_id TEXT REFERENCES policyholders (id),
    owner TEXT,
    name TEXT NOT NULL,
    mime TEXT NOT NULL CHECK (mime IN ('application/pdf', 'image/jpeg', 'image/png')),
    size INTEGER NOT NULL CHECK (size > 0),
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX attachments_owner ON attachments (owner);
CREATE INDEX attachments_unlinked ON attachments (created_at) WHERE owner IS NULL;
