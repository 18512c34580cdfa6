-- 0004: payments through the gateway (one row per attempt, plus every status the gateway told
-- us) and e-tickets (one row per seat of a paid booking). ADR 0013 has the state machine.
--
-- Lock order, shared with the booking module (ADR 0009, ADR 0013): bookings row, then its
-- payments rows, then ticket_types rows (ascending id). The webhook finds the booking through
-- a plain read of the payment, then locks the booking first.

-- One row per order sent to the gateway. order_id = <booking code>-<attempt>, unique for ever,
-- so a retried create reuses it and the gateway cannot charge twice for one attempt.
CREATE TABLE payments (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  booking_id     BIGINT UNSIGNED NOT NULL,
  attempt        INT UNSIGNED    NOT NULL,
  order_id       VARCHAR(50)     NOT NULL,
  -- creating: written before the gateway call, whose answer is not known yet (a timeout leaves
  --           it here for reconciliation); pending: the gateway has it (token, redirect_url);
  -- settled:  money taken and accepted; failed: deny, cancel, expire, failure, or rejected.
  status         ENUM('creating','pending','settled','failed') NOT NULL DEFAULT 'creating',
  gross_amount   BIGINT UNSIGNED NOT NULL,          -- whole rupiah: the booking total
  token          VARCHAR(100)    NULL,
  redirect_url   VARCHAR(500)    NULL,
  gateway_status VARCHAR(32)     NULL,              -- the last transaction_status applied
  transaction_id VARCHAR(64)     NULL,
  -- Needs an admin: money and booking disagree. NULL when all is well.
  flag           ENUM('amount_mismatch','refund_required','reversed_after_settlement','refunded') NULL,
  flag_detail    VARCHAR(255)    NULL,
  expires_at     DATETIME(6)     NOT NULL,          -- when the gateway stops taking money
  settled_at     DATETIME(6)     NULL,
  created_at     DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at     DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  UNIQUE KEY uq_payments_order (order_id),
  UNIQUE KEY uq_payments_attempt (booking_id, attempt),
  -- Reconciliation: open attempts, oldest first.
  KEY ix_payments_open (status, created_at),
  KEY ix_payments_flag (flag),
  CONSTRAINT fk_payment_booking FOREIGN KEY (booking_id) REFERENCES bookings (id)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- Every notification and status answer, as received, and what the state machine did with it:
-- the audit trail and the history shown by GET /api/bookings/{code}/payment.
CREATE TABLE payment_events (
  id                 BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  payment_id         BIGINT UNSIGNED NOT NULL,
  source             ENUM('notification','status_api') NOT NULL,
  transaction_status VARCHAR(32)     NOT NULL,
  fraud_status       VARCHAR(32)     NULL,
  gross_amount       VARCHAR(32)     NOT NULL,      -- as the gateway wrote it
  -- applied, duplicate, ignored, flagged
  outcome            VARCHAR(32)     NOT NULL,
  raw                MEDIUMTEXT      NOT NULL,
  received_at        DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY ix_payment_events_payment (payment_id, id),
  CONSTRAINT fk_event_payment FOREIGN KEY (payment_id) REFERENCES payments (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One e-ticket per seat, issued in the transaction that marks the booking paid. The code is
-- 128 random bits in base32: unguessable, so the code itself is the proof at the door.
CREATE TABLE tickets (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code           CHAR(30)        NOT NULL,          -- TKT- + 26 base32 characters
  booking_id     BIGINT UNSIGNED NOT NULL,
  ticket_type_id BIGINT UNSIGNED NOT NULL,
  seq            INT UNSIGNED    NOT NULL,          -- 1..n within the booking
  checked_in_at  DATETIME(6)     NULL,
  checked_in_by  BIGINT UNSIGNED NULL,
  created_at     DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY uq_tickets_code (code),
  UNIQUE KEY uq_tickets_seat (booking_id, seq),
  KEY ix_tickets_type (ticket_type_id),
  CONSTRAINT fk_ticket_booking FOREIGN KEY (booking_id) REFERENCES bookings (id),
  CONSTRAINT fk_ticket_type FOREIGN KEY (ticket_type_id) REFERENCES ticket_types (id)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;
