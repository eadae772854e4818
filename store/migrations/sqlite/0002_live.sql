-- Live updates, reminders and cabinet notices.

-- Every change a browser may want to see at once, in order. The id is the SSE event id: a client
-- that reconnects asks for what came after the last id it saw.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX events_topic ON events (topic, id);

-- «Установить напоминание» on a contribution: at remind_at (UTC) an e-mail and a notice go out,
-- once; sent_at marks it done.
CREATE TABLE reminders (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    policyholder_id TEXT NOT NULL REFERENCES policyholders (id),
    contribution_id TEXT NOT NULL REFERENCES contributions (id),
    remind_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX reminders_due ON reminders (remind_at) WHERE sent_at IS NULL;
CREATE INDEX reminders_account ON reminders (account_id, remind_at);

-- Notices in the cabinet («Уведомления»).
CREATE TABLE notices (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX notices_account ON notices (account_id, created_at);
