-- Foundation schema (SQLite). Timestamps are UTC RFC 3339 text, dates ISO text, money integer kopecks.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    full_name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    phone TEXT NOT NULL UNIQUE,
    snils TEXT UNIQUE,
    inn TEXT UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'staff')),
    channel TEXT NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'sms')),
    confirmed_at TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE policyholders (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('person', 'organisation')),
    name TEXT NOT NULL,
    birth_date TEXT,
    snils TEXT,
    inn TEXT,
    passport TEXT,
    ogrn TEXT,
    kpp TEXT,
    email TEXT,
    phone TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX policyholders_snils ON policyholders (snils);
CREATE INDEX policyholders_inn ON policyholders (inn);

CREATE TABLE authorities (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    policyholder_id TEXT NOT NULL REFERENCES policyholders (id),
    role TEXT NOT NULL CHECK (role IN ('self', 'representative', 'trusted', 'broker')),
    basis TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    revoked_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX authorities_account ON authorities (account_id, policyholder_id);
CREATE INDEX authorities_policyholder ON authorities (policyholder_id);

CREATE TABLE insurers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    inn TEXT NOT NULL,
    kpp TEXT NOT NULL,
    ogrn TEXT NOT NULL,
    bank_name TEXT NOT NULL,
    bik TEXT NOT NULL,
    account TEXT NOT NULL,
    corr_account TEXT NOT NULL
);

CREATE TABLE programmes (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kbk TEXT NOT NULL
);

CREATE TABLE policies (
    id TEXT PRIMARY KEY,
    policyholder_id TEXT NOT NULL REFERENCES policyholders (id),
    number TEXT NOT NULL UNIQUE,
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    insurer_id TEXT NOT NULL REFERENCES insurers (id),
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    insured_sum INTEGER NOT NULL CHECK (insured_sum >= 0),
    premium INTEGER NOT NULL CHECK (premium >= 0),
    status TEXT NOT NULL CHECK (status IN ('active', 'expired', 'suspended', 'terminated')),
    created_at TEXT NOT NULL
);
CREATE INDEX policies_policyholder ON policies (policyholder_id, starts_on);

CREATE TABLE contributions (
    id TEXT PRIMARY KEY,
    policyholder_id TEXT NOT NULL REFERENCES policyholders (id),
    policy_id TEXT NOT NULL REFERENCES policies (id),
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    accrued_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount >= 0),
    paid INTEGER NOT NULL DEFAULT 0 CHECK (paid >= 0),
    created_at TEXT NOT NULL
);
CREATE INDEX contributions_policyholder ON contributions (policyholder_id, accrued_on);
CREATE INDEX contributions_policy ON contributions (policyholder_id, policy_id, accrued_on);

CREATE TABLE charges (
    id TEXT PRIMARY KEY,
    policyholder_id TEXT NOT NULL REFERENCES policyholders (id),
    policy_id TEXT REFERENCES policies (id),
    kind TEXT NOT NULL CHECK (kind IN ('premium', 'penalty', 'subsidy')),
    charged_on TEXT NOT NULL,
    amount INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('unpaid', 'partial', 'paid')),
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX charges_policyholder ON charges (policyholder_id, charged_on);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    acting_policyholder_id TEXT REFERENCES policyholders (id),
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE one_time_codes (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    channel TEXT NOT NULL,
    destination TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX one_time_codes_account ON one_time_codes (account_id, purpose, created_at);

CREATE TABLE throttle (
    key TEXT PRIMARY KEY,
    window_start TEXT NOT NULL,
    failures INTEGER NOT NULL,
    blocked_until TEXT
);

CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX outbox_created ON outbox (created_at);

CREATE TABLE journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    account_id TEXT,
    policyholder_id TEXT,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT ''
);
CREATE INDEX journal_account ON journal (account_id, id);
CREATE INDEX journal_policyholder ON journal (policyholder_id, id);
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN
    SELECT RAISE(ABORT, 'journal is append-only');
END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN
    SELECT RAISE(ABORT, 'journal is append-only');
END;
