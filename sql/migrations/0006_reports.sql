-- 0006: the five admin reports (issue 10): the indexes each report reads, the daily rollup of
-- paid sales that the monthly report reads, and the hourly request counts.
--
-- Only paid bookings are sales. A sale belongs to its booking's business_day (the day the
-- booking was made, in BUSINESS_TZ), also when it was paid later. Tickets and revenue come from
-- booking_items (quantity, quantity * unit_price), the same formula in every report.

-- top-customers, sales-by-city and monthly-sales (the `indexed` variant): the paid bookings of
-- a business-day range are one range of this index (status = 'paid', business_day BETWEEN), and
-- it carries every bookings column those reports read (id is in every secondary index), so
-- the bookings side is read from the index alone; the items are then read by primary key.
ALTER TABLE bookings
  ADD KEY ix_bookings_sales (status, business_day, user_id, concert_id);

-- rollup-sales: the business days of the bookings changed since its watermark, from the index
-- alone (a range on updated_at).
ALTER TABLE bookings
  ADD KEY ix_bookings_changed (updated_at, business_day);

-- stock: the seats of each ticket type in bookings, from the index alone (quantity included);
-- the booking's status and hold are then read by primary key. Replaces ix_booking_items_type,
-- whose column it starts with (the foreign key to ticket_types uses the new one).
ALTER TABLE booking_items
  ADD KEY ix_booking_items_stock (ticket_type_id, booking_id, quantity);
ALTER TABLE booking_items
  DROP KEY ix_booking_items_type;

-- monthly-sales (the `rollup` variant, which the endpoint reads): one row per business day with
-- paid sales, kept by the rollup-sales job. A day with no paid booking has no row. A month is
-- at most 31 rows of this table instead of every booking of the month.
CREATE TABLE sales_daily (
  business_day DATE            NOT NULL PRIMARY KEY,
  bookings     INT UNSIGNED    NOT NULL,
  tickets      BIGINT UNSIGNED NOT NULL,
  revenue      BIGINT UNSIGNED NOT NULL,      -- whole rupiah
  refreshed_at DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- How far each rollup has read. For sales_daily: every booking change with
-- updated_at < watermark - REPORTS_ROLLUP_OVERLAP_S is folded in (the overlap covers
-- transactions that committed after a run read past them; src/reporting/service.cpp).
CREATE TABLE rollup_watermarks (
  name       VARCHAR(64) NOT NULL PRIMARY KEY,
  watermark  DATETIME(6) NOT NULL,            -- the database clock when the last full run began
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;
INSERT INTO rollup_watermarks (name, watermark) VALUES ('sales_daily', '1970-01-01 00:00:01');

-- requests-per-hour: requests per (hour, user), counted in memory by each replica and added here
-- in batches by an upsert (requests = requests + VALUES(requests)). user_id 0 is anonymous (no
-- foreign key, so the counts outlive the user). The report reads a range of the primary key.
CREATE TABLE request_counts (
  hour_start DATETIME        NOT NULL,        -- UTC, on the hour
  user_id    BIGINT UNSIGNED NOT NULL,        -- 0: anonymous
  requests   BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (hour_start, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;
