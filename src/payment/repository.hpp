#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/pool.hpp"
#include "payment/notification.hpp"
#include "payment/payment.hpp"

namespace tiket::payment {

// SQL for payments and payment_events, and nothing else.
class PaymentRepository {
 public:
  // The booking's open attempt (creating or pending), locked; the booking row is locked first.
  std::optional<Payment> open_attempt(db::Connection& conn, std::int64_t booking_id) const;
  unsigned last_attempt(db::Connection& conn, std::int64_t booking_id) const;
  // A new attempt, status creating, ending with the booking's hold.
  std::int64_t insert(db::Connection& conn, std::int64_t booking_id, unsigned attempt,
                      const std::string& order_id, std::int64_t gross_amount) const;

  std::optional<Payment> find(db::Connection& conn, std::int64_t id) const;
  std::optional<Payment> find_by_order(db::Connection& conn, const std::string& order_id,
                                       bool for_update) const;
  std::vector<Payment> of_booking(db::Connection& conn, std::int64_t booking_id) const;
  std::vector<PaymentEvent> events_of_booking(db::Connection& conn, std::int64_t booking_id) const;

  // The gateway accepted the attempt: keeps its token; creating → pending. True only for the
  // call that stored the token first.
  bool set_created(db::Connection& conn, std::int64_t id, const std::string& token,
                   const std::string& redirect_url) const;
  void set_status(db::Connection& conn, std::int64_t id, Status status,
                  const std::string& gateway_status, const std::string& transaction_id) const;
  void set_gateway_status(db::Connection& conn, std::int64_t id,
                          const std::string& gateway_status) const;
  void set_flag(db::Connection& conn, std::int64_t id, Flag flag, const std::string& detail) const;
  void insert_event(db::Connection& conn, std::int64_t payment_id, std::string_view source,
                    const GatewayStatus& status, std::string_view outcome,
                    const std::string& raw) const;

  // Open attempts created at least `min_age_seconds` ago, oldest first.
  std::vector<Payment> open_older_than(db::Connection& conn, long min_age_seconds,
                                       unsigned limit) const;
  // Whether the attempt's hold (expires_at) has passed, by the database clock.
  bool hold_over(db::Connection& conn, std::int64_t id) const;
};

}  // namespace tiket::payment
