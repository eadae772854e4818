-- «Взносы» over 100,000 rows of one policyholder: each sortable column has an index that walks the
-- rows in page order (no sort of the whole set), and the date index covers the totals' columns so
-- a filter's sums never touch the table.
DROP INDEX contributions_policyholder;
CREATE INDEX contributions_by_date ON contributions (policyholder_id, accrued_on, id, programme_id, amount, paid);
CREATE INDEX contributions_by_amount ON contributions (policyholder_id, amount, accrued_on, id);
CREATE INDEX contributions_by_paid ON contributions (policyholder_id, paid, accrued_on, id);
CREATE INDEX contributions_by_debt ON contributions (policyholder_id, (amount - paid), accrued_on, id);
CREATE INDEX contributions_by_programme ON contributions (policyholder_id, programme_id, accrued_on, id, amount, paid);

-- Monthly sums per policyholder and programme, kept by triggers on every write, so the totals of
-- a filter add up whole months from here and count only the rows of its partial edge months.
CREATE TABLE contribution_months (
    policyholder_id TEXT NOT NULL,
    programme_id TEXT NOT NULL,
    month TEXT NOT NULL,
    count INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    paid INTEGER NOT NULL,
    PRIMARY KEY (policyholder_id, month, programme_id)
);
INSERT INTO contribution_months (policyholder_id, programme_id, month, count, amount, paid)
SELECT policyholder_id, programme_id, substr(accrued_on, 1, 7) || '-01', COUNT(*), SUM(amount), SUM(paid)
FROM contributions GROUP BY policyholder_id, programme_id, substr(accrued_on, 1, 7);

CREATE TRIGGER contribution_months_insert AFTER INSERT ON contributions
BEGIN
    INSERT OR IGNORE INTO contribution_months VALUES
        (NEW.policyholder_id, NEW.programme_id, substr(NEW.accrued_on, 1, 7) || '-01', 0, 0, 0);
    UPDATE contribution_months SET count = count + 1, amount = amount + NEW.amount, paid = paid + NEW.paid
    WHERE policyholder_id = NEW.policyholder_id AND programme_id = NEW.programme_id
      AND month = substr(NEW.accrued_on, 1, 7) || '-01';
END;

CREATE TRIGGER contribution_months_delete AFTER DELETE ON contributions
BEGIN
    UPDATE contribution_months SET count = count - 1, amount = amount - OLD.amount, paid = paid - OLD.paid
    WHERE policyholder_id = OLD.policyholder_id AND programme_id = OLD.programme_id
      AND month = substr(OLD.accrued_on, 1, 7) || '-01';
END;

CREATE TRIGGER contribution_months_update AFTER UPDATE OF policyholder_id, programme_id, accrued_on, amount, paid ON contributions
BEGIN
    UPDATE contribution_months SET count = count - 1, amount = amount - OLD.amount, paid = paid - OLD.paid
    WHERE policyholder_id = OLD.policyholder_id AND programme_id = OLD.programme_id
      AND month = substr(OLD.accrued_on, 1, 7) || '-01';
    INSERT OR IGNORE INTO contribution_months VALUES
        (NEW.policyholder_id, NEW.programme_id, substr(NEW.accrued_on, 1, 7) || '-01', 0, 0, 0);
    UPDATE contribution_months SET count = count + 1, amount = amount + NEW.amount, paid = paid + NEW.paid
    WHERE policyholder_id = NEW.policyholder_id AND programme_id = NEW.programme_id
      AND month = substr(NEW.accrued_on, 1, 7) || '-01';
END;
