-- 0001: the audit log, shared by every module that records who did what.
-- Forward-only: never edit this file once applied; add 0002_... instead
-- (the migrator refuses an applied file whose checksum changed).

CREATE TABLE audit_log (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  occurred_at DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  actor_id    BIGINT UNSIGNED NULL,          -- NULL for the system (jobs, webhooks)
  action      VARCHAR(64)     NOT NULL,      -- e.g. user.create, booking.cancel
  entity_type VARCHAR(32)     NOT NULL,
  entity_id   VARCHAR(64)     NOT NULL,
  request_id  VARCHAR(128)    NULL,
  details     JSON            NULL,
  -- "What happened to this entity?" and "what did this actor do?" are the two questions
  -- an audit trail is asked; each gets its index, newest first by id.
  KEY ix_audit_entity (entity_type, entity_id, id),
  KEY ix_audit_actor (actor_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
