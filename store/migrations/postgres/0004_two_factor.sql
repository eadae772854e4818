-- Two-factor login: a TOTP app per account (with single-use recovery codes), and on each session
-- whether the second factor is still owed and when it was last passed.
ALTER TABLE sessions ADD COLUMN second_factor_pending BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE sessions ADD COLUMN second_factor_at TIMESTAMPTZ;
ALTER TABLE sessions ADD COLUMN second_factor_failures INTEGER NOT NULL DEFAULT 0;

CREATE TABLE totp (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    -- NULL while the app is being enrolled (until its first code is confirmed).
    enabled_at TIMESTAMPTZ,
    -- The last 30-second step accepted: a code is never accepted twice.
    last_step BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE recovery_codes (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at TIMESTAMPTZ,
    PRIMARY KEY (account_id, code_hash)
);
