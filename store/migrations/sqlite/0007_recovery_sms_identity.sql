-- The rest of issue 4: identity fields of «Профиль» (birth date, an extra phone), SMS as the
-- second factor of the login, and «Восстановление доступа без подтверждения» (applications that
-- staff review; an approval sends a one-time link to set a new password, stored as a hash).
ALTER TABLE accounts ADD COLUMN birth_date TEXT;
ALTER TABLE accounts ADD COLUMN extra_phone TEXT;
-- When SMS codes became the account's second factor (NULL: not on).
ALTER TABLE accounts ADD COLUMN sms_factor_at TEXT;

CREATE TABLE access_requests (
    id TEXT PRIMARY KEY,
    -- «ВД-2026-483920»: told to the applicant, random so that numbers do not enumerate.
    number TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    snils TEXT,
    inn TEXT,
    policy_number TEXT NOT NULL,
    contact TEXT NOT NULL,
    contact_channel TEXT NOT NULL CHECK (contact_channel IN ('email', 'sms')),
    -- What matched, for staff only: the applicant is answered the same either way.
    account_id TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    match_name BOOLEAN NOT NULL DEFAULT FALSE,
    match_policy BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL CHECK (status IN ('review', 'approved', 'rejected', 'done')),
    reason TEXT NOT NULL DEFAULT '',
    new_contact TEXT,
    decided_by TEXT,
    decided_at TEXT,
    -- SHA-256 of the one-time link's token; the token itself is only in the message.
    link_hash TEXT UNIQUE,
    link_expires_at TEXT,
    link_used_at TEXT,
    ip TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX access_requests_status ON access_requests (status, created_at);
CREATE INDEX access_requests_account ON access_requests (account_id);
