#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tiket::http {

// Cross-origin access for browser clients (CORS_ALLOWED_ORIGINS). Empty: no CORS headers at
// all, so browsers on other origins are refused. An allowed origin is echoed exactly, with
// `Vary: Origin`; the answer is never `*`. Tokens travel in the Authorization header, which the
// preflight allows. The web app's refresh cookie is same-origin only (ADR 0016): its switch,
// X-Tiket-Session, is deliberately not in kAllowHeaders, and `Access-Control-Allow-Credentials`
// is never sent, so a page on another origin can neither send that header nor the cookie.
class CorsPolicy {
 public:
  CorsPolicy() = default;
  explicit CorsPolicy(std::vector<std::string> allowed_origins);

  bool enabled() const { return !allowed_.empty(); }
  // Exact, case-sensitive comparison with the configured (lower-case) origins.
  bool allows(std::string_view origin) const;

  // What a preflight answers, and what any cross-origin response lets the script read.
  static constexpr std::string_view kAllowHeaders =
      "Authorization, Content-Type, Idempotency-Key, If-None-Match, X-Request-Id";
  static constexpr std::string_view kExposeHeaders =
      "ETag, Location, Retry-After, WWW-Authenticate, X-Request-Id";
  static constexpr std::string_view kMaxAgeSeconds = "600";

 private:
  std::vector<std::string> allowed_;
};

}  // namespace tiket::http
