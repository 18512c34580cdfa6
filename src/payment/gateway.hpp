#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "payment/breaker.hpp"
#include "payment/notification.hpp"
#include "payment/settings.hpp"

namespace tiket::payment {

struct SnapItem {
  std::string id;
  std::int64_t price = 0;  // whole rupiah
  std::int64_t quantity = 0;
  std::string name;
};

// One Snap transaction to create. The item lines must sum to gross_amount exactly.
struct SnapOrder {
  std::string order_id;
  std::int64_t gross_amount = 0;
  std::vector<SnapItem> items;
  std::string customer_name;
  std::string customer_email;
  std::string start_time;  // "YYYY-MM-DD HH:MM:SS", UTC
  long expiry_minutes = 0;
};

struct SnapTransaction {
  std::string token;
  std::string redirect_url;
};

// A gateway call that did not give an answer we can use.
class GatewayError : public std::runtime_error {
 public:
  enum class Kind {
    unavailable,  // timeout, connection error, 5xx, or the breaker is open: try again later
    rejected,     // a 4xx: the gateway refused the request as it stands
  };
  GatewayError(Kind kind, const std::string& what, int retry_after_seconds = 0)
      : std::runtime_error(what), kind_(kind), retry_after_(retry_after_seconds) {}
  Kind kind() const { return kind_; }
  int retry_after_seconds() const { return retry_after_; }

 private:
  Kind kind_;
  int retry_after_;
};

// The Midtrans client: Snap create and the Core API status, over libcurl with explicit connect
// and total timeouts, HTTP Basic with the server key, and a circuit breaker around both.
// Blocking: call from worker threads. Thread-safe (one curl handle per call).
class MidtransClient {
 public:
  explicit MidtransClient(const Settings& settings);

  // POST {snap}/snap/v1/transactions. A timeout, connection error or 5xx is tried again (up to
  // create_attempts times in all) with the SAME order_id, so the gateway cannot create two
  // charges for one attempt. GatewayError when no try succeeded.
  SnapTransaction create(const SnapOrder& order);

  // GET {api}/v2/{order_id}/status. nullopt when the gateway does not know the order (yet: a
  // Snap order exists there only once the customer picks a method). GatewayError otherwise.
  std::optional<GatewayStatus> status(const std::string& order_id);

  const CircuitBreaker& breaker() const { return breaker_; }

  // Observes every call: "create"/"status", its outcome ("ok", "rejected", "not_found",
  // "timeout", "error", "server_error", "breaker_open") and how long it took.
  std::function<void(std::string_view call, std::string_view outcome, double seconds)> on_call;

 private:
  struct Reply {
    long status = 0;
    std::string body;
  };
  Reply send(std::string_view call, const std::string& url, const std::string* post_body);
  void observe(std::string_view call, std::string_view outcome,
               std::chrono::steady_clock::time_point started) const;

  const Settings& settings_;
  CircuitBreaker breaker_;
};

// The Snap request body for `order` (pure; exposed for tests).
std::string snap_request_body(const SnapOrder& order);

}  // namespace tiket::payment
