-- 0003: the catalog (concerts, ticket types) and bookings (bookings, their items, the per-day
-- booking-code counter and idempotency keys).
--
-- Index notes for GET /api/concerts (public: status = 'published', sorted by starts_at, id,
-- keyset-paginated on (starts_at, id)). Every filter has an index whose leading columns are
-- the equality part of the query and whose trailing columns are the sort key, so MySQL reads
-- the page in index order and stops after `limit` rows instead of sorting:
--   no filter, from/to         ix_concerts_listing      (status, starts_at, id)
--   city (+ from/to)           ix_concerts_city         (status, city, starts_at, id)
--   min_price / max_price      ix_concerts_price        (status, min_price, starts_at, id); a
--                              range on min_price, so the optimizer weighs it against the others
--   q (title or artist)        ft_concerts_search       FULLTEXT (title, artist): a LIKE '%q%'
--                              can use no B-tree index and scans every row
-- EXPLAIN output for each is in docs/adr/0008-catalog-indexes-and-cache.md.
CREATE TABLE concerts (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  organizer_id BIGINT UNSIGNED NOT NULL,
  title        VARCHAR(200)    NOT NULL,
  artist       VARCHAR(200)    NOT NULL,
  venue        VARCHAR(200)    NOT NULL,
  city         VARCHAR(100)    NOT NULL,
  starts_at    DATETIME(6)     NOT NULL,
  status       ENUM('draft','published','cancelled') NOT NULL DEFAULT 'draft',
  -- The cheapest ticket type's price, kept by the service whenever ticket types change, so the
  -- price filter is an index range instead of a join over every ticket type. NULL: none yet.
  min_price    BIGINT UNSIGNED NULL,
  created_at   DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at   DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  KEY ix_concerts_listing (status, starts_at, id),
  KEY ix_concerts_city (status, city, starts_at, id),
  KEY ix_concerts_price (status, min_price, starts_at, id),
  KEY ix_concerts_organizer (organizer_id, id),
  FULLTEXT KEY ft_concerts_search (title, artist),
  CONSTRAINT fk_concert_organizer FOREIGN KEY (organizer_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- `available` is the live stock. A booking holds seats with
--   UPDATE ticket_types SET available = available - ? WHERE id = ? AND available >= ?
-- and a cancel or expiry gives them back; the row lock taken by that update is what makes two
-- concurrent bookings of the last seat decide one after the other. The CHECKs are a second
-- line of defence: the count can never go below zero or above the quota.
CREATE TABLE ticket_types (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  concert_id     BIGINT UNSIGNED NOT NULL,
  name           VARCHAR(100)    NOT NULL,
  price          BIGINT UNSIGNED NOT NULL,          -- whole rupiah
  quota          INT UNSIGNED    NOT NULL,
  available      INT UNSIGNED    NOT NULL,
  per_user_limit INT UNSIGNED    NULL,              -- NULL: no limit per customer
  created_at     DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY uq_ticket_type_name (concert_id, name),
  CONSTRAINT ck_ticket_type_stock CHECK (available <= quota),
  CONSTRAINT fk_ticket_type_concert FOREIGN KEY (concert_id) REFERENCES concerts (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- code = TIX-<business_day as YYYYMMDD>-<day_number as 6 digits>. (business_day, day_number)
-- is unique; the number comes from booking_code_counters in the booking's own transaction, so
-- a rolled-back booking gives its number back (ADR 0007).
CREATE TABLE bookings (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code         VARCHAR(24)     NOT NULL,        -- 19 chars until a day passes 999999
  business_day DATE            NOT NULL,
  day_number   INT UNSIGNED    NOT NULL,
  user_id      BIGINT UNSIGNED NOT NULL,
  concert_id   BIGINT UNSIGNED NOT NULL,
  status       ENUM('pending_payment','paid','expired','cancelled') NOT NULL DEFAULT 'pending_payment',
  total_amount BIGINT UNSIGNED NOT NULL,            -- whole rupiah, priced from the DB
  expires_at   DATETIME(6)     NOT NULL,            -- end of the hold while pending_payment
  created_at   DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at   DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  UNIQUE KEY uq_booking_code (code),
  UNIQUE KEY uq_booking_day_number (business_day, day_number),
  -- GET /api/bookings (own, newest first) and the per-user limit check.
  KEY ix_bookings_user (user_id, id),
  -- The expiry job: pending_payment holds whose expires_at has passed.
  KEY ix_bookings_expiry (status, expires_at),
  -- Admin list filtered by concert.
  KEY ix_bookings_concert (concert_id, id),
  CONSTRAINT fk_booking_user FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT fk_booking_concert FOREIGN KEY (concert_id) REFERENCES concerts (id)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

CREATE TABLE booking_items (
  booking_id     BIGINT UNSIGNED NOT NULL,
  ticket_type_id BIGINT UNSIGNED NOT NULL,
  quantity       INT UNSIGNED    NOT NULL,
  unit_price     BIGINT UNSIGNED NOT NULL,          -- the price when booked
  PRIMARY KEY (booking_id, ticket_type_id),
  KEY ix_booking_items_type (ticket_type_id),
  CONSTRAINT fk_item_booking FOREIGN KEY (booking_id) REFERENCES bookings (id) ON DELETE CASCADE,
  CONSTRAINT fk_item_ticket_type FOREIGN KEY (ticket_type_id) REFERENCES ticket_types (id)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- One row per business day: the last running number handed out. Taken as the last step
-- before the booking insert, so its row lock is held only for the end of the transaction.
CREATE TABLE booking_code_counters (
  business_day DATE         NOT NULL PRIMARY KEY,
  last_number  INT UNSIGNED NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- Idempotency-Key per user. The row is inserted as the first statement of the booking
-- transaction: a concurrent duplicate blocks on the primary key until the first commits (then
-- replays its response) or rolls back (then runs itself). Only successful responses are kept;
-- a failed attempt leaves nothing behind and may be retried with the same key.
CREATE TABLE idempotency_keys (
  user_id         BIGINT UNSIGNED NOT NULL,
  idem_key        VARCHAR(255)    NOT NULL,
  request_hash    CHAR(64)        NOT NULL,         -- SHA-256 of the normalised request
  response_status SMALLINT UNSIGNED NULL,
  response_body   MEDIUMTEXT      NULL,
  created_at      DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  expires_at      DATETIME(6)     NOT NULL,         -- created_at + 24 h
  PRIMARY KEY (user_id, idem_key),
  KEY ix_idempotency_expiry (expires_at),
  CONSTRAINT fk_idempotency_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;
