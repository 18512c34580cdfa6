-- The bookings section's stock check (scripts/bench/bookings.sh), in one statement so that it
-- reads one snapshot. Set @concert and @type first. Prints: quota, available, seats in live
-- bookings, bookings, distinct codes. Zero oversell: quota - available = seats in live
-- bookings, and every booking has its own code.
SELECT t.quota,
       t.available,
       (SELECT COALESCE(SUM(i.quantity), 0)
          FROM booking_items i JOIN bookings b ON b.id = i.booking_id
         WHERE i.ticket_type_id = t.id AND b.status IN ('pending_payment', 'paid')),
       (SELECT COUNT(*) FROM bookings WHERE concert_id = @concert),
       (SELECT COUNT(DISTINCT code) FROM bookings WHERE concert_id = @concert)
  FROM ticket_types t
 WHERE t.id = @type;
