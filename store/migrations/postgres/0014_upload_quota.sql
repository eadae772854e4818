-- Upload quotas per account (see store/src/attachments.rs): how many files the account uploaded
-- in its current hour-long window. The conditional upsert of this row is also what serialises
-- one account's parallel uploads, so the cap on unlinked bytes is checked with nothing in flight.
CREATE TABLE upload_quota (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    window_start TIMESTAMPTZ NOT NULL,
    uploads INTEGER NOT NULL
);
-- The unlinked bytes of one account are summed on every upload.
CREATE INDEX attachments_unlinked_by_account ON attachments (account_id) WHERE owner IS NULL;
