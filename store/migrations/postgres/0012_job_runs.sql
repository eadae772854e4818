-- When a periodic job last ran, for jobs that run less often than the job loop ticks (the
-- deadline reminders: hourly). A process claims a run by moving `ran_at` forward only if it is
-- old enough, so restarts and parallel processes do not run it again early.
CREATE TABLE job_runs (
    name TEXT PRIMARY KEY,
    ran_at TIMESTAMPTZ NOT NULL
);
