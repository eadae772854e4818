-- «Проверка полномочий»: authority for an organisation, an organisation's representative, and a
-- notarised доверенность take effect only after staff have checked the basis (its scan is an
-- attachment owned by 'grant:<id>'). 'none': no check needed; 'awaiting': in the staff queue;
-- 'approved' / 'rejected' (with the reason the grantor and grantee are told).
ALTER TABLE grants ADD COLUMN notarised BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE grants ADD COLUMN review TEXT NOT NULL DEFAULT 'none'
    CHECK (review IN ('none', 'awaiting', 'approved', 'rejected'));
ALTER TABLE grants ADD COLUMN review_reason TEXT;
ALTER TABLE grants ADD COLUMN reviewed_by TEXT REFERENCES accounts (id);
ALTER TABLE grants ADD COLUMN reviewed_at TEXT;
CREATE INDEX grants_review ON grants (review, created_at);
