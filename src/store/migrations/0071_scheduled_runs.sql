-- Scheduled jobs (compliance reports, snapshots): one row per job and scheduled time. Every
-- instance with the schedule tries to insert it; the one that does runs the job, so several
-- instances sharing a database do not write the same report twice.
CREATE TABLE scheduled_runs (
  job text NOT NULL,
  slot timestamptz NOT NULL,
  instance text NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job, slot)
);
