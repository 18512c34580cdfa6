#pragma once

#include <atomic>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "booking/service.hpp"
#include "db/pool.hpp"
#include "identity/principal.hpp"
#include "payment/gateway.hpp"
#include "payment/repository.hpp"
#include "payment/settings.hpp"
#include "users/service.hpp"

namespace tiket::payment {

struct StartResult {
  Payment payment;
  bool created = false;  // false: the open attempt was returned again
};

struct PaymentHistory {
  std::vector<Payment> attempts;  // oldest first; never empty
  std::vector<PaymentEvent> events;
};

struct ReconcileResult {
  unsigned checked = 0;  // open attempts asked about
  unsigned changed = 0;  // the answer moved the state machine
  unsigned closed = 0;   // unknown to the gateway after the hold ended: closed as failed
  unsigned errors = 0;   // the gateway did not answer
};

// Counters for /metrics; plain atomics, as in the other services.
struct PaymentCounters {
  std::atomic<std::uint64_t> started{0};
  std::atomic<std::uint64_t> reused{0};
  std::atomic<std::uint64_t> settled{0};
  std::atomic<std::uint64_t> settled_late{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> duplicate{0};
  std::atomic<std::uint64_t> ignored{0};
  std::atomic<std::uint64_t> flagged{0};
  std::atomic<std::uint64_t> signature_failed{0};
};

// Payments for bookings through the gateway, and the state machine every gateway answer goes
// through (ADR 0013). Uses the booking module's service; the booking module never uses this.
// Blocking (DB, gateway): call from worker threads.
class PaymentService {
 public:
  PaymentService(db::Pool& pool, booking::BookingService& bookings, users::UserService& users,
                 const Settings& settings);

  // Starts a payment for the caller's pending booking, or returns the attempt still open.
  // Errors: not_found; booking_not_payable (paid, expired, cancelled, or the hold ends in under
  // a minute); unavailable + Retry-After (the gateway did not answer; the attempt is kept, and
  // the next call or the reconciliation tries the same order_id again); payment_gateway_error
  // (the gateway refused the order; the attempt is closed).
  StartResult start(const std::string& booking_code, const identity::Principal& caller);

  // Owner or admin; not_found when no payment was started.
  PaymentHistory history(const std::string& booking_code, const identity::Principal& caller);

  // A notification from the gateway, body as received. Order: parse (validation), signature
  // (unauthorized, counted and logged), optionally confirm with the status API (unavailable),
  // find the order (not_found), apply. Returns the outcome: applied, duplicate, ignored, flagged.
  std::string notify(const nlohmann::json& body, std::string raw);

  // Asks the gateway about every open attempt older than reconcile_min_age and applies the
  // answers through the same state machine. Safe to run concurrently with itself and with
  // notifications (each answer is applied under the booking's row lock).
  ReconcileResult reconcile();

  bool configured() const { return !settings_.server_key.empty(); }
  MidtransClient& gateway() { return gateway_; }
  const PaymentCounters& counters() const { return counters_; }

 private:
  struct Applied {
    std::string outcome;
    bool changed = false;
  };
  // The state machine: one transaction that locks the booking, then the payment.
  Applied apply(const GatewayStatus& status, std::string_view source, const std::string& raw);
  void require_configured() const;
  SnapOrder snap_order(const booking::PayableBooking& payable, const Payment& attempt,
                       std::int64_t user_id);

  db::Pool& pool_;
  booking::BookingService& bookings_;
  users::UserService& users_;
  const Settings& settings_;
  PaymentRepository repo_;
  MidtransClient gateway_;
  PaymentCounters counters_;
};

}  // namespace tiket::payment
