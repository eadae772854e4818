-- «Задолженности» and «Оплатить»: payments with their idempotency key and SMS code, the debts
-- each pays, a claim per debt so that only one payment can hold it, the acquirer's webhook events
-- (replays refused), documents made for payments, and the built-in sandbox acquirer's own ledger.

-- Пени: millionths of the owed sum per day overdue; NULL where the programme defines none.
ALTER TABLE programmes ADD COLUMN penalty_ppm INTEGER;

CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    policyholder_id TEXT NOT NULL REFERENCES policyholders (id),
    idempotency_key TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('card', 'wallet', 'bank')),
    method_label TEXT NOT NULL,
    provider_token TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    status TEXT NOT NULL CHECK (status IN ('awaiting_code', 'processing', 'succeeded', 'declined', 'failed')),
    reason_code TEXT,
    provider_ref TEXT,
    code_hash TEXT NOT NULL,
    code_attempts INTEGER NOT NULL DEFAULT 0,
    code_sent_at TEXT NOT NULL,
    code_expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    confirmed_at TEXT,
    completed_at TEXT,
    UNIQUE (account_id, idempotency_key)
);
CREATE INDEX payments_policyholder ON payments (policyholder_id, created_at);
CREATE INDEX payments_processing ON payments (status, confirmed_at);

CREATE TABLE payment_items (
    payment_id TEXT NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
    debt_key TEXT NOT NULL,
    title TEXT NOT NULL,
    policy_number TEXT,
    amount INTEGER NOT NULL CHECK (amount > 0),
    penalty INTEGER NOT NULL DEFAULT 0 CHECK (penalty >= 0),
    PRIMARY KEY (payment_id, debt_key)
);

-- At most one payment in progress or done per debt.
CREATE TABLE payment_claims (
    debt_key TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES payments (id) ON DELETE CASCADE
);

CREATE TABLE payment_webhook_events (
    event_id TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL,
    received_at TEXT NOT NULL
);

CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    policyholder_id TEXT NOT NULL REFERENCES policyholders (id),
    kind TEXT NOT NULL,
    number TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    payment_id TEXT REFERENCES payments (id),
    created_at TEXT NOT NULL
);
CREATE INDEX documents_policyholder ON documents (policyholder_id, created_at);
CREATE INDEX documents_payment ON documents (payment_id);

-- The sandbox acquirer's side (a real acquirer keeps this on its own servers).
CREATE TABLE sandbox_tokens (
    token TEXT PRIMARY KEY,
    behaviour TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE sandbox_operations (
    order_id TEXT PRIMARY KEY,
    operation_id TEXT NOT NULL UNIQUE,
    token TEXT NOT NULL,
    amount INTEGER NOT NULL,
    status TEXT NOT NULL,
    reason_code TEXT,
    created_at TEXT NOT NULL,
    decide_at TEXT NOT NULL,
    decided_at TEXT
);
CREATE INDEX sandbox_operations_due ON sandbox_operations (status, decide_at);

-- «Задолженности» reads only what is unpaid.
CREATE INDEX contributions_unpaid ON contributions (policyholder_id, due_on) WHERE paid < amount;
CREATE INDEX charges_unpaid_fines ON charges (policyholder_id, charged_on) WHERE kind = 'penalty' AND status <> 'paid';
