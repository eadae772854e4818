-- A contribution reminder whose account no longer has authority over the policyholder when it
-- falls due is not sent: the job marks it skipped, so it is neither sent later nor looked at again.
ALTER TABLE reminders ADD COLUMN skipped_at TIMESTAMPTZ;
