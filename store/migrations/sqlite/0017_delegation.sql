-- «Доверенности»: authority granted in the cabinet. What an authority allows beyond viewing
-- (filing reports and requests, paying, passing it on), whether it covers every policy or only
-- those in authority_policies, and who granted it. Authorities that existed before keep what
-- they allowed: everything but passing it on, which the person themself and an organisation's
-- representative have.
ALTER TABLE authorities ADD COLUMN may_report BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE authorities ADD COLUMN may_pay BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE authorities ADD COLUMN may_delegate BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE authorities ADD COLUMN all_policies BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE authorities ADD COLUMN granted_by TEXT REFERENCES accounts (id);
UPDATE authorities SET may_delegate = TRUE WHERE role IN ('self', 'representative');

-- A grant sent and not yet accepted shares nothing. The grantee is named by СНИЛС or ИНН and a
-- contact; only a confirmed account with both can accept. An accepted grant becomes the
-- authority with the same id.
CREATE TABLE grants (
    id TEXT PRIMARY KEY,
    policyholder_id TEXT NOT NULL REFERENCES policyholders (id),
    granted_by TEXT NOT NULL REFERENCES accounts (id),
    role TEXT NOT NULL CHECK (role IN ('representative', 'trusted', 'broker')),
    full_name TEXT NOT NULL,
    snils TEXT,
    inn TEXT,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    contact TEXT NOT NULL,
    may_report BOOLEAN NOT NULL,
    may_pay BOOLEAN NOT NULL,
    may_delegate BOOLEAN NOT NULL,
    all_policies BOOLEAN NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    basis TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'cancelled')),
    account_id TEXT REFERENCES accounts (id),
    created_at TEXT NOT NULL,
    decided_at TEXT,
    CHECK (snils IS NOT NULL OR inn IS NOT NULL)
);
CREATE INDEX grants_policyholder ON grants (policyholder_id, created_at);
CREATE INDEX grants_snils ON grants (snils, status);
CREATE INDEX grants_inn ON grants (inn, status);

-- The policies an authority (or a grant, by the same id) covers when it does not cover all.
CREATE TABLE authority_policies (
    authority_id TEXT NOT NULL,
    policy_id TEXT NOT NULL REFERENCES policies (id),
    PRIMARY KEY (authority_id, policy_id)
);
