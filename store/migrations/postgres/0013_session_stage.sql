-- A session's stage is one value that only the store's steps move: 'unconfirmed' (the account's
-- contact is not yet confirmed), 'second_factor' (the password was given, the second factor is
-- owed) or 'full'. It replaces the flag that a session could be created without. Sessions from
-- before end: their stage cannot be trusted.
DELETE FROM sessions;
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'unconfirmed'
    CHECK (stage IN ('unconfirmed', 'second_factor', 'full'));
ALTER TABLE sessions DROP COLUMN second_factor_pending;
