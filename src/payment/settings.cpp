#include "payment/settings.hpp"

namespace tiket::payment {

namespace {
bool http_url(const std::string& url) {
  return url.starts_with("https://") || url.starts_with("http://");
}
}  // namespace

Settings read_settings(const core::EnvReader& env, core::AppEnv app_env) {
  Settings s;
  const bool production = app_env == core::AppEnv::production;
  s.server_key = env.text("MIDTRANS_SERVER_KEY", "");
  if (production && s.server_key.empty()) {
    throw core::ConfigError(
        "MIDTRANS_SERVER_KEY: required in production (the merchant's server key)");
  }
  s.snap_url = env.text("MIDTRANS_SNAP_URL", s.snap_url);
  s.api_url = env.text("MIDTRANS_API_URL", s.api_url);
  s.callback_url = env.text("PAYMENT_CALLBACK_URL", "");
  for (const auto& [name, url] :
       {std::pair{"MIDTRANS_SNAP_URL", s.snap_url}, std::pair{"MIDTRANS_API_URL", s.api_url}}) {
    if (!http_url(url)) {
      throw core::ConfigError(std::string(name) + ": must be an http:// or https:// URL");
    }
  }
  if (!s.callback_url.empty() && !http_url(s.callback_url)) {
    throw core::ConfigError("PAYMENT_CALLBACK_URL: must be an http:// or https:// URL");
  }
  while (s.snap_url.ends_with('/')) {
    s.snap_url.pop_back();
  }
  while (s.api_url.ends_with('/')) {
    s.api_url.pop_back();
  }
  s.verify_with_status = env.boolean("PAYMENT_VERIFY_WITH_STATUS", production);
  s.connect_timeout = std::chrono::milliseconds(env.number<long>(
      "PAYMENT_GATEWAY_CONNECT_TIMEOUT_MS", s.connect_timeout.count(), 50, 60'000));
  s.timeout = std::chrono::milliseconds(
      env.number<long>("PAYMENT_GATEWAY_TIMEOUT_MS", s.timeout.count(), 50, 60'000));
  s.create_attempts = env.number<unsigned>("PAYMENT_CREATE_ATTEMPTS", s.create_attempts, 1, 10);
  s.breaker_failures =
      env.number<unsigned>("PAYMENT_BREAKER_FAILURES", s.breaker_failures, 1, 1000);
  s.breaker_cooldown = std::chrono::milliseconds(
      env.number<long>("PAYMENT_BREAKER_COOLDOWN_MS", s.breaker_cooldown.count(), 10, 3'600'000));
  s.reconcile_interval = std::chrono::seconds(
      env.number<long>("PAYMENT_RECONCILE_INTERVAL_S", s.reconcile_interval.count(), 1, 86'400));
  s.reconcile_min_age = std::chrono::seconds(
      env.number<long>("PAYMENT_RECONCILE_MIN_AGE_S", s.reconcile_min_age.count(), 0, 86'400));
  return s;
}

}  // namespace tiket::payment
