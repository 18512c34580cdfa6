#pragma once

#include <chrono>
#include <string>

#include "core/config.hpp"
#include "core/env.hpp"

namespace tiket::auth {

// A token bucket as configured: `burst` requests at once, refilled at burst / period.
struct RateSpec {
  unsigned burst = 10;
  unsigned period_seconds = 60;
};

// Auth's settings (the README lists each variable). In development and test, empty key
// settings mean "generate under LOCAL_DIR/keys"; production refuses them.
struct Settings {
  std::string jwt_private_key_file;
  std::string jwt_issuer = "tiket";
  std::string jwt_audience = "tiket-api";
  std::chrono::seconds access_token_ttl{15 * 60};
  std::chrono::seconds refresh_token_ttl{std::chrono::hours(24 * 30)};
  std::string login_code_secret;
  unsigned hash_concurrency = 2;
  // The password policy's list; it moves with the policy when passwords get their own module.
  std::string common_passwords_file = "data/common-passwords.txt";
  std::string trusted_proxies;

  std::string mailer = "outbox";  // outbox | smtp
  std::string smtp_url;
  std::string smtp_from;
  std::string smtp_username;
  std::string smtp_password;
  bool smtp_require_tls = false;

  RateSpec rate_login_ip{20, 60};
  RateSpec rate_login_account{10, 300};
  RateSpec rate_code_ip{10, 300};
  RateSpec rate_code_account{3, 300};
  RateSpec rate_verify_ip{20, 60};
  RateSpec rate_verify_account{10, 300};
  RateSpec rate_register_ip{10, 3600};
  RateSpec rate_users_create{30, 60};  // POST /api/users, per admin
};

// Throws core::ConfigError naming the variable. Production needs JWT_PRIVATE_KEY_FILE,
// LOGIN_CODE_SECRET and an SMTP mailer.
Settings read_settings(const core::EnvReader& env, core::AppEnv app_env);

}  // namespace tiket::auth
