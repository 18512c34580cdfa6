#pragma once

#include <chrono>
#include <string_view>

#include "auth/client_ip.hpp"
#include "auth/jwt.hpp"
#include "auth/outbox_mailer.hpp"
#include "auth/service.hpp"
#include "http/authenticator.hpp"
#include "http/router.hpp"
#include "users/service.hpp"

namespace tiket::auth {

struct AuthRouteDeps {
  AuthService& auth;
  users::UserService& users;
  const http::Authenticator& authenticator;
  const JwtService& jwt;
  const TrustedProxies& proxies;
  OutboxMailer* outbox = nullptr;  // set only in development and test
  // Max-Age of the refresh cookie in cookie mode (REFRESH_TOKEN_TTL_DAYS).
  std::chrono::seconds refresh_ttl{std::chrono::hours(24 * 30)};
};

// Cookie mode (ADR 0016): a request with `X-Tiket-Session: cookie` gets its refresh token as an
// httpOnly cookie on /api/auth instead of in the JSON, and refresh/logout read it from there.
inline constexpr std::string_view kSessionHeader = "x-tiket-session";
inline constexpr std::string_view kRefreshCookie = "tiket_refresh";
inline constexpr std::string_view kRefreshCookiePath = "/api/auth";

// /api/auth/*, /.well-known/jwks.json and, outside production, /api/admin/mail-outbox.
void register_routes(http::Router& router, const AuthRouteDeps& deps);

}  // namespace tiket::auth
