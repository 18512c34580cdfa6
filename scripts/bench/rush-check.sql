-- The rush section's invariants (scripts/bench/rush.sh), one statement so that it reads one
-- snapshot. Set @concert first. Prints one row, every column but the last four a count of
-- violations (0 = PASS):
--   1. inconsistent_types  ticket types where quota - available differs from the seats in live
--                          (pending_payment or paid) bookings, or more than the quota is held:
--                          oversell or lost stock
--   2. gap_days            business days (of this concert's bookings) whose running numbers are
--                          not exactly 1..n, each once, with the day's counter at n
--   3. bad_totals          bookings whose items do not sum to total_amount (or have no items)
--   4. over_limit          (customer, ticket type) pairs holding more than the per-user limit
--   5. repeat_buyers       customers with more than one booking for the concert (each buyer
--                          books once; a retried request must not book twice)
-- then: types with seats left, seats held or sold, the quota, bookings.
SELECT
  (SELECT COUNT(*)
     FROM ticket_types t
    WHERE t.concert_id = @concert
      AND (t.quota - t.available <> (SELECT COALESCE(SUM(i.quantity), 0)
                                       FROM booking_items i
                                       JOIN bookings b ON b.id = i.booking_id
                                      WHERE i.ticket_type_id = t.id
                                        AND b.status IN ('pending_payment', 'paid'))
           OR t.available > t.quota)),
  (SELECT COUNT(*)
     FROM (SELECT d.business_day
             FROM bookings d
             LEFT JOIN booking_code_counters c ON c.business_day = d.business_day
            WHERE d.business_day IN (SELECT business_day FROM bookings WHERE concert_id = @concert)
            GROUP BY d.business_day
           HAVING COUNT(*) <> MAX(d.day_number) OR COUNT(DISTINCT d.day_number) <> COUNT(*)
               OR MIN(d.day_number) <> 1 OR COALESCE(MAX(c.last_number), 0) <> MAX(d.day_number)) g),
  (SELECT COUNT(*)
     FROM bookings b
     LEFT JOIN (SELECT booking_id, SUM(quantity * unit_price) AS amount
                  FROM booking_items GROUP BY booking_id) s ON s.booking_id = b.id
    WHERE b.concert_id = @concert AND (s.amount IS NULL OR s.amount <> b.total_amount)),
  (SELECT COUNT(*)
     FROM (SELECT b.user_id, t.id
             FROM bookings b
             JOIN booking_items i ON i.booking_id = b.id
             JOIN ticket_types t ON t.id = i.ticket_type_id
            WHERE b.concert_id = @concert AND b.status IN ('pending_payment', 'paid')
              AND t.per_user_limit IS NOT NULL
            GROUP BY b.user_id, t.id, t.per_user_limit
           HAVING SUM(i.quantity) > t.per_user_limit) o),
  (SELECT COUNT(*)
     FROM (SELECT user_id FROM bookings WHERE concert_id = @concert
            GROUP BY user_id HAVING COUNT(*) > 1) r),
  (SELECT COUNT(*) FROM ticket_types WHERE concert_id = @concert AND available > 0),
  (SELECT COALESCE(SUM(quota - available), 0) FROM ticket_types WHERE concert_id = @concert),
  (SELECT COALESCE(SUM(quota), 0) FROM ticket_types WHERE concert_id = @concert),
  (SELECT COUNT(*) FROM bookings WHERE concert_id = @concert);
