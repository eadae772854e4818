-- An unconfirmed registration holds no identifier: e-mail, phone, СНИЛС and ИНН are unique among
-- confirmed accounts only, so nobody can reserve someone else's СНИЛС by registering with it and
-- never confirming. Confirming is where a clash is refused.
ALTER TABLE accounts DROP CONSTRAINT accounts_email_key;
ALTER TABLE accounts DROP CONSTRAINT accounts_phone_key;
ALTER TABLE accounts DROP CONSTRAINT accounts_snils_key;
ALTER TABLE accounts DROP CONSTRAINT accounts_inn_key;
CREATE UNIQUE INDEX accounts_email_confirmed ON accounts (email) WHERE confirmed_at IS NOT NULL;
CREATE UNIQUE INDEX accounts_phone_confirmed ON accounts (phone) WHERE confirmed_at IS NOT NULL;
CREATE UNIQUE INDEX accounts_snils_confirmed ON accounts (snils) WHERE confirmed_at IS NOT NULL;
CREATE UNIQUE INDEX accounts_inn_confirmed ON accounts (inn) WHERE confirmed_at IS NOT NULL;
CREATE INDEX accounts_email ON accounts (email);
CREATE INDEX accounts_phone ON accounts (phone);
CREATE INDEX accounts_snils ON accounts (snils);
CREATE INDEX accounts_inn ON accounts (inn);
