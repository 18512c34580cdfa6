-- 0005: scheduled jobs that run on one replica at a time (ADR 0014).
--
-- One lease row per registered job. A replica takes the lease with a conditional UPDATE on the
-- database's clock (locked_until <= UTC_TIMESTAMP(6)); the row lock makes a second replica's
-- UPDATE wait and then see the first one's lease, so exactly one wins. A replica that dies keeps
-- the lease only until locked_until. next_due_at is one value, not a list of slots: after an
-- outage every replica was down for, the job runs once and the next slot is counted from then.
CREATE TABLE job_locks (
  name         VARCHAR(64)     NOT NULL PRIMARY KEY,
  locked_until DATETIME(6)     NOT NULL DEFAULT '1970-01-01 00:00:01',
  locked_by    VARCHAR(100)    NULL,     -- the replica holding the lease
  run_id       BIGINT UNSIGNED NULL,     -- the job_runs row of the lease's run
  next_due_at  DATETIME(6)     NOT NULL,  -- the next scheduled slot (UTC)
  updated_at   DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- Every run: started by the schedule or by an admin. outcome NULL while it runs. `skipped` is
-- a slot that came due while the previous run still held the lease (written once per slot).
CREATE TABLE job_runs (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  job           VARCHAR(64)     NOT NULL,
  replica       VARCHAR(100)    NOT NULL,
  run_trigger   ENUM('schedule','manual') NOT NULL,
  admin_id      BIGINT UNSIGNED NULL,     -- who asked, for manual runs (no FK: history outlives users)
  due_at        DATETIME(6)     NULL,     -- the slot a scheduled run is for
  started_at    DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  finished_at   DATETIME(6)     NULL,
  outcome       ENUM('succeeded','failed','timed_out','skipped') NULL,
  rows_affected BIGINT UNSIGNED NOT NULL DEFAULT 0,
  detail        TEXT            NULL,     -- the job's own summary, JSON
  error         VARCHAR(1000)   NULL,
  -- GET /api/admin/jobs/{name}/runs pages by id within a job; the purge deletes by age.
  KEY ix_job_runs_job (job, id),
  -- a new lease holder closes the runs whose replica lost the lease (finished_at IS NULL).
  KEY ix_job_runs_open (job, finished_at),
  KEY ix_job_runs_started (started_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
