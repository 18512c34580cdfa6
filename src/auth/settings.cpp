#include "auth/settings.hpp"

#include <charconv>

namespace tiket::auth {

namespace {

// BURST/SECONDS, each 1..1'000'000.
RateSpec read_rate(const core::EnvReader& env, std::string_view name, RateSpec fallback) {
  const auto raw = env.value(name);
  if (!raw) {
    return fallback;
  }
  const auto parse = [](std::string_view part, unsigned& out) {
    const auto* end = part.data() + part.size();
    const auto [ptr, ec] = std::from_chars(part.data(), end, out);
    return !part.empty() && ec == std::errc{} && ptr == end && out >= 1 && out <= 1'000'000;
  };
  const auto slash = raw->find('/');
  RateSpec spec{};
  if (slash == std::string_view::npos || !parse(raw->substr(0, slash), spec.burst) ||
      !parse(raw->substr(slash + 1), spec.period_seconds)) {
    env.reject(name, "BURST/SECONDS such as 10/60");
  }
  return spec;
}

void read_mailer(const core::EnvReader& env, bool production, Settings& s) {
  s.mailer = env.text("MAILER", production ? "smtp" : "outbox");
  if (s.mailer != "outbox" && s.mailer != "smtp") {
    env.reject("MAILER", "outbox or smtp");
  }
  if (production && s.mailer == "outbox") {
    throw core::ConfigError("MAILER: outbox is for development and test; production needs smtp");
  }
  s.smtp_url = env.text("SMTP_URL", "");
  s.smtp_from = env.text("SMTP_FROM", "");
  s.smtp_username = env.text("SMTP_USERNAME", "");
  s.smtp_password = env.text("SMTP_PASSWORD", "");
  s.smtp_require_tls = env.boolean("SMTP_REQUIRE_TLS", production);
  if (s.mailer == "smtp" && (s.smtp_url.empty() || s.smtp_from.empty())) {
    throw core::ConfigError(std::string(s.smtp_url.empty() ? "SMTP_URL" : "SMTP_FROM") +
                            ": required when MAILER=smtp");
  }
}

}  // namespace

Settings read_settings(const core::EnvReader& env, core::AppEnv app_env) {
  const bool production = app_env == core::AppEnv::production;
  Settings s;
  s.jwt_private_key_file = env.text("JWT_PRIVATE_KEY_FILE", "");
  if (production && s.jwt_private_key_file.empty()) {
    throw core::ConfigError(
        "JWT_PRIVATE_KEY_FILE: required when APP_ENV=production (development keys are generated "
        "under LOCAL_DIR/keys)");
  }
  s.jwt_issuer = env.text("JWT_ISSUER", s.jwt_issuer);
  s.jwt_audience = env.text("JWT_AUDIENCE", s.jwt_audience);
  s.access_token_ttl = std::chrono::seconds(
      env.number<long>("JWT_ACCESS_TTL_S", s.access_token_ttl.count(), 60, 86'400));
  s.refresh_token_ttl =
      std::chrono::hours(24 * env.number<long>("REFRESH_TOKEN_TTL_DAYS", 30, 1, 365));
  s.login_code_secret = env.text("LOGIN_CODE_SECRET", "");
  if (!s.login_code_secret.empty() && s.login_code_secret.size() < 32) {
    throw core::ConfigError("LOGIN_CODE_SECRET: must be at least 32 characters");
  }
  if (production && s.login_code_secret.empty()) {
    throw core::ConfigError(
        "LOGIN_CODE_SECRET: required when APP_ENV=production (at least 32 characters)");
  }
  s.hash_concurrency = env.number<unsigned>("AUTH_HASH_CONCURRENCY", s.hash_concurrency, 1, 64);
  s.common_passwords_file = env.text("COMMON_PASSWORDS_FILE", s.common_passwords_file);
  s.trusted_proxies = env.text("TRUSTED_PROXIES", "");

  read_mailer(env, production, s);

  if (app_env == core::AppEnv::development) {
    // A developer replays the Postman collection (tests/api/) against one server many times an
    // hour from one address and the same demo accounts. Test and production keep the limits
    // above; an explicit variable wins everywhere.
    s.rate_login_ip = {1000, 60};
    s.rate_login_account = {1000, 300};
    s.rate_register_ip = {1000, 3600};
  }
  s.rate_login_ip = read_rate(env, "RATE_LIMIT_LOGIN_IP", s.rate_login_ip);
  s.rate_login_account = read_rate(env, "RATE_LIMIT_LOGIN_ACCOUNT", s.rate_login_account);
  s.rate_code_ip = read_rate(env, "RATE_LIMIT_LOGIN_CODE_IP", s.rate_code_ip);
  s.rate_code_account = read_rate(env, "RATE_LIMIT_LOGIN_CODE_ACCOUNT", s.rate_code_account);
  s.rate_verify_ip = read_rate(env, "RATE_LIMIT_VERIFY_IP", s.rate_verify_ip);
  s.rate_verify_account = read_rate(env, "RATE_LIMIT_VERIFY_ACCOUNT", s.rate_verify_account);
  s.rate_register_ip = read_rate(env, "RATE_LIMIT_REGISTER_IP", s.rate_register_ip);
  s.rate_users_create = read_rate(env, "RATE_LIMIT_USERS_CREATE", s.rate_users_create);
  return s;
}

}  // namespace tiket::auth
