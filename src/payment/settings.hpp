#pragma once

#include <chrono>
#include <string>

#include "core/config.hpp"
#include "core/env.hpp"

namespace tiket::payment {

struct Settings {
  // The merchant's server key: HTTP Basic user on every gateway call and the secret in every
  // notification signature. Never logged. Empty outside production: payments answer 503.
  std::string server_key;
  std::string snap_url = "https://app.sandbox.midtrans.com";  // + /snap/v1/transactions
  std::string api_url = "https://api.sandbox.midtrans.com";   // + /v2/{order_id}/status
  std::string callback_url;         // sent as X-Override-Notification when set
  bool verify_with_status = false;  // confirm each notification with the status API
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds timeout{5000};  // one gateway call, connect included
  unsigned create_attempts = 3;             // tries of one create, all with the same order_id
  unsigned breaker_failures = 5;            // consecutive failures that open the breaker
  std::chrono::milliseconds breaker_cooldown{30000};
  std::chrono::seconds reconcile_interval{60};
  std::chrono::seconds reconcile_min_age{60};  // open attempts younger than this are left alone
};

// MIDTRANS_SERVER_KEY (required in production), MIDTRANS_SNAP_URL, MIDTRANS_API_URL,
// PAYMENT_CALLBACK_URL, PAYMENT_VERIFY_WITH_STATUS (default on in production),
// PAYMENT_GATEWAY_CONNECT_TIMEOUT_MS, PAYMENT_GATEWAY_TIMEOUT_MS, PAYMENT_CREATE_ATTEMPTS,
// PAYMENT_BREAKER_FAILURES, PAYMENT_BREAKER_COOLDOWN_MS, PAYMENT_RECONCILE_INTERVAL_S,
// PAYMENT_RECONCILE_MIN_AGE_S. Throws core::ConfigError naming the variable.
Settings read_settings(const core::EnvReader& env, core::AppEnv app_env);

}  // namespace tiket::payment
