-- «Взносы» over 100,000 rows of one policyholder: each sortable column has an index that walks the
-- rows in page order (no sort of the whole set), and the date index covers the totals' columns so
-- a filter's sums never touch the table.
DROP INDEX contributions_policyholder;
CREATE INDEX contributions_by_date ON contributions (policyholder_id, accrued_on, id, programme_id, amount, paid);
CREATE INDEX contributions_by_amount ON contributions (policyholder_id, amount, accrued_on, id);
CREATE INDEX contributions_by_paid ON contributions (policyholder_id, paid, accrued_on, id);
CREATE INDEX contributions_by_debt ON contributions (policyholder_id, (amount - paid), accrued_on, id);
CREATE INDEX contributions_by_programme ON contributions (policyholder_id, programme_id, accrued_on, id, amount, paid);

-- Monthly sums per policyholder and programme, kept by a trigger on every write, so the totals of
-- a filter add up whole months from here and count only the rows of its partial edge months.
CREATE TABLE contribution_months (
    policyholder_id TEXT NOT NULL,
    programme_id TEXT NOT NULL,
    month DATE NOT NULL,
    count BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    paid BIGINT NOT NULL,
    PRIMARY KEY (policyholder_id, month, programme_id)
);
INSERT INTO contribution_months (policyholder_id, programme_id, month, count, amount, paid)
SELECT policyholder_id, programme_id, date_trunc('month', accrued_on)::date, COUNT(*), SUM(amount), SUM(paid)
FROM contributions GROUP BY policyholder_id, programme_id, date_trunc('month', accrued_on)::date;

CREATE FUNCTION contribution_months_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE contribution_months SET count = count - 1, amount = amount - OLD.amount, paid = paid - OLD.paid
        WHERE policyholder_id = OLD.policyholder_id AND programme_id = OLD.programme_id
          AND month = date_trunc('month', OLD.accrued_on)::date;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO contribution_months AS m (policyholder_id, programme_id, month, count, amount, paid)
        VALUES (NEW.policyholder_id, NEW.programme_id, date_trunc('month', NEW.accrued_on)::date, 1, NEW.amount, NEW.paid)
        ON CONFLICT (policyholder_id, month, programme_id) DO UPDATE
        SET count = m.count + 1, amount = m.amount + EXCLUDED.amount, paid = m.paid + EXCLUDED.paid;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER contribution_months_keep AFTER INSERT OR DELETE OR UPDATE OF policyholder_id, programme_id, accrued_on, amount, paid
    ON contributions FOR EACH ROW EXECUTE FUNCTION contribution_months_apply();
