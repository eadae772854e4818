-- Foundation schema (PostgreSQL). Timestamps are TIMESTAMPTZ (UTC), dates DATE, money integer kopecks.
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
    confirmed_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE policyholders (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('person', 'organisation')),
    name TEXT NOT NULL,
    birth_date DATE,
    snils TEXT,
    inn TEXT,
    passport TEXT,
    ogrn TEXT,
    kpp TEXT,
    email TEXT,
    phone TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX policyholders_snils ON policyholders (snils);
CREATE INDEX policyholders_inn ON policyholders (inn);

CREATE TABLE authorities (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    policyholder_id TEXT NOT NULL REFERENCES policyholders (id),
    role TEXT NOT NULL CHECK (role IN ('self', 'representative', 'trusted', 'broker')),
    basis TEXT NOT NULL,
    valid_from DATE NOT NULL,
    valid_to DATE,
    revoked_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
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
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    insured_sum BIGINT NOT NULL CHECK (insured_sum >= 0),
    premium BIGINT NOT NULL CHECK (premium >= 0),
    status TEXT NOT NULL CHECK (status IN ('active', 'expired', 'suspended', 'terminated')),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX policies_policyholder ON policies (policyholder_id, starts_on);

CREATE TABLE contributions (
    id TEXT PRIMARY KEY,
    policyholder_id TEXT NOT NULL REFERENCES policyholders (id),
    policy_id TEXT NOT NULL REFERENCES policies (id),
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    accrued_on DATE NOT NULL,
    due_on DATE NOT NULL,
    amount BIGINT NOT NULL CHECK (amount >= 0),
    paid BIGINT NOT NULL DEFAULT 0 CHECK (paid >= 0),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX contributions_policyholder ON contributions (policyholder_id, accrued_on);
CREATE INDEX contributions_policy ON contributions (policyholder_id, policy_id, accrued_on);

CREATE TABLE charges (
    id TEXT PRIMARY KEY,
    policyholder_id TEXT NOT NULL REFERENCES policyholders (id),
    policy_id TEXT REFERENCES policies (id),
    kind TEXT NOT NULL CHECK (kind IN ('premium', 'penalty', 'subsidy')),
    charged_on DATE NOT NULL,
    amount BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('unpaid', 'partial', 'paid')),
    description TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX charges_policyholder ON charges (policyholder_id, charged_on);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    acting_policyholder_id TEXT REFERENCES policyholders (id),
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
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
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);
CREATE INDEX one_time_codes_account ON one_time_codes (account_id, purpose, created_at);

CREATE TABLE throttle (
    key TEXT PRIMARY KEY,
    window_start TIMESTAMPTZ NOT NULL,
    failures INTEGER NOT NULL,
    blocked_until TIMESTAMPTZ
);

CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX outbox_created ON outbox (created_at);

CREATE TABLE journal (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
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
CREATE FUNCTION journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'journal is append-only';
END;
$$;
CREATE TRIGGER journal_no_change BEFORE UPDATE OR DELETE ON journal
    FOR EACH ROW EXECUTE FUNCTION journal_append_only();
