-- no-transaction
-- An unconfirmed registration holds no identifier: e-mail, phone, СНИЛС and ИНН are unique among
-- confirmed accounts only, so nobody can reserve someone else's СНИЛС by registering with it and
-- never confirming. SQLite cannot drop a column's UNIQUE, so the table is rebuilt the way SQLite
-- documents (foreign keys off, one transaction, foreign_key_check, foreign keys on again).
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE accounts_rebuilt (
    id TEXT PRIMARY KEY,
    full_name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    snils TEXT,
    inn TEXT,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'staff')),
    channel TEXT NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'sms')),
    confirmed_at TEXT,
    created_at TEXT NOT NULL,
    passport TEXT,
    birth_date TEXT,
    extra_phone TEXT,
    sms_factor_at TEXT
);
INSERT INTO accounts_rebuilt (id, full_name, email, phone, snils, inn, password_hash, role, channel,
        confirmed_at, created_at, passport, birth_date, extra_phone, sms_factor_at)
    SELECT id, full_name, email, phone, snils, inn, password_hash, role, channel,
        confirmed_at, created_at, passport, birth_date, extra_phone, sms_factor_at
    FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_rebuilt RENAME TO accounts;
CREATE UNIQUE INDEX accounts_email_confirmed ON accounts (email) WHERE confirmed_at IS NOT NULL;
CREATE UNIQUE INDEX accounts_phone_confirmed ON accounts (phone) WHERE confirmed_at IS NOT NULL;
CREATE UNIQUE INDEX accounts_snils_confirmed ON accounts (snils) WHERE confirmed_at IS NOT NULL;
CREATE UNIQUE INDEX accounts_inn_confirmed ON accounts (inn) WHERE confirmed_at IS NOT NULL;
CREATE INDEX accounts_email ON accounts (email);
CREATE INDEX accounts_phone ON accounts (phone);
CREATE INDEX accounts_snils ON accounts (snils);
CREATE INDEX accounts_inn ON accounts (inn);
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
