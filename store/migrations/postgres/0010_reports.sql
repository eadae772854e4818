-- «Отчётность»: reports (drafts and submitted), every submitted version, the check log of each
-- version, the yearly counter of report numbers, insured events reports link to, and the
-- programme's range of contribution rates the recalculation report is checked against.

-- Hundredths of a percent: 0,20 % … 8,50 % unless the programme says otherwise.
ALTER TABLE programmes ADD COLUMN rate_min BIGINT NOT NULL DEFAULT 20;
ALTER TABLE programmes ADD COLUMN rate_max BIGINT NOT NULL DEFAULT 850;

CREATE TABLE insured_events (
    id TEXT PRIMARY KEY,
    policyholder_id TEXT NOT NULL REFERENCES policyholders (id),
    policy_id TEXT NOT NULL REFERENCES policies (id),
    number TEXT NOT NULL UNIQUE,
    occurred_at TIMESTAMPTZ NOT NULL,
    description TEXT NOT NULL,
    report_id TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX insured_events_policyholder ON insured_events (policyholder_id, policy_id, occurred_at);

CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    policyholder_id TEXT NOT NULL REFERENCES policyholders (id),
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('event', 'works', 'payout', 'recalc')),
    status TEXT NOT NULL CHECK (status IN ('draft', 'review', 'done', 'error')),
    number TEXT UNIQUE,
    policy_id TEXT,
    -- The form as typed (JSON text of domain::reports::ReportForm): the draft, or the version in work.
    form TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    -- The idempotency key of the last submission: the same key again answers with this report.
    submit_key TEXT,
    staff_comment TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    submitted_at TIMESTAMPTZ,
    decided_at TIMESTAMPTZ
);
CREATE INDEX reports_policyholder ON reports (policyholder_id, status, updated_at);
CREATE INDEX reports_review ON reports (status, submitted_at);

CREATE TABLE report_versions (
    report_id TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    form TEXT NOT NULL,
    account_id TEXT NOT NULL,
    submitted_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (report_id, version)
);

-- One failed rule: found by the server's checks ('auto') or named by staff returning a report.
CREATE TABLE report_checks (
    id TEXT PRIMARY KEY,
    report_id TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    -- The order the rules were checked in.
    position INTEGER NOT NULL DEFAULT 0,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    rule TEXT NOT NULL,
    message TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('auto', 'staff')),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX report_checks_report ON report_checks (report_id, version);

CREATE TABLE report_counters (
    year INTEGER PRIMARY KEY,
    last BIGINT NOT NULL
);

-- «Сроки»: requests to extend a missed deadline, the reminders sent (one row per deadline,
-- account and «days before», so each goes out once), and the private iCal feed links.
CREATE TABLE extension_requests (
    id TEXT PRIMARY KEY,
    policyholder_id TEXT NOT NULL REFERENCES policyholders (id),
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    number TEXT NOT NULL UNIQUE,
    deadline_key TEXT NOT NULL,
    title TEXT NOT NULL,
    due_at TIMESTAMPTZ NOT NULL,
    reasons TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    new_due_at TIMESTAMPTZ,
    decision_due_at TIMESTAMPTZ NOT NULL,
    staff_comment TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    decided_at TIMESTAMPTZ,
    UNIQUE (policyholder_id, deadline_key)
);
CREATE INDEX extension_requests_status ON extension_requests (status, created_at);

CREATE TABLE deadline_reminders (
    policyholder_id TEXT NOT NULL,
    deadline_key TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    days_before INTEGER NOT NULL,
    sent_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (policyholder_id, deadline_key, account_id, days_before)
);

CREATE TABLE calendar_feeds (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    policyholder_id TEXT NOT NULL REFERENCES policyholders (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, policyholder_id)
);
