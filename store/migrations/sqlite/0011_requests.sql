-- Requests («Создать запрос», «История запросов») with their thread of messages both ways, and
-- documents that are not drawn from a payment (the submission receipt, certificates): their
-- text is kept with them, and every document gets a short public check code for its QR.

CREATE TABLE requests (
    id TEXT PRIMARY KEY,
    policyholder_id TEXT NOT NULL REFERENCES policyholders (id),
    number TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    policy_id TEXT NOT NULL REFERENCES policies (id),
    kind TEXT NOT NULL CHECK (kind IN ('certificate', 'data_change', 'payout')),
    full_name TEXT NOT NULL,
    phone TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('processing', 'clarification', 'completed', 'rejected')),
    reason TEXT,
    assignee_id TEXT REFERENCES accounts (id),
    idempotency_key TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (account_id, idempotency_key)
);
CREATE INDEX requests_policyholder ON requests (policyholder_id, created_at);
CREATE INDEX requests_queue ON requests (status, updated_at);

CREATE TABLE request_messages (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES requests (id),
    policyholder_id TEXT NOT NULL REFERENCES policyholders (id),
    author_id TEXT NOT NULL REFERENCES accounts (id),
    author_side TEXT NOT NULL CHECK (author_side IN ('holder', 'staff')),
    body TEXT NOT NULL,
    status TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX request_messages_request ON request_messages (request_id, created_at);

ALTER TABLE documents ADD COLUMN request_id TEXT REFERENCES requests (id);
ALTER TABLE documents ADD COLUMN policy_id TEXT REFERENCES policies (id);
ALTER TABLE documents ADD COLUMN body TEXT;
ALTER TABLE documents ADD COLUMN check_code TEXT;
CREATE UNIQUE INDEX documents_check_code ON documents (check_code);
CREATE INDEX documents_request ON documents (request_id);
