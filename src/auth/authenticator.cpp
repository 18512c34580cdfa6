#include "auth/authenticator.hpp"

#include <algorithm>
#include <cctype>

#include "core/errors.hpp"

namespace tiket::auth {

core::AppError unauthorized(std::string detail) {
  // RFC 9110 §15.5.2: every 401 names the scheme the client should use next.
  auto e = core::AppError::unauthorized(std::move(detail));
  e.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="tiket")");
  return e;
}

Principal Authenticator::authenticate(http::Request& req) const {
  const auto header = req.header("authorization");
  if (!header) {
    throw unauthorized("Authentication is required: send Authorization: Bearer <access token>.");
  }
  constexpr std::string_view kScheme = "bearer ";
  if (header->size() <= kScheme.size() ||
      !std::equal(kScheme.begin(), kScheme.end(), header->begin(), [](char a, char b) {
        return a == std::tolower(static_cast<unsigned char>(b));
      })) {
    throw unauthorized("The Authorization header must use the Bearer scheme.");
  }
  auto token = header->substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') {
    token.remove_prefix(1);
  }
  AccessClaims claims;
  try {
    claims = jwt_.verify(token);
  } catch (core::AppError& e) {
    e.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="tiket", error="invalid_token")");
    throw;
  }
  const auto role = parse_role(claims.role);
  if (!role) {
    throw unauthorized("The access token is invalid or expired.");
  }
  req.user_id = claims.user_id;
  return {claims.user_id, *role};
}

std::optional<Principal> Authenticator::authenticate_optional(http::Request& req) const {
  if (!req.header("authorization")) {
    return std::nullopt;
  }
  return authenticate(req);
}

http::Handler Authenticator::require(std::initializer_list<Role> roles,
                                     AuthedHandler handler) const {
  std::vector<Role> allowed(roles);
  return [this, allowed = std::move(allowed), handler = std::move(handler)](http::Request& req) {
    const auto principal = authenticate(req);
    if (!allowed.empty() &&
        std::find(allowed.begin(), allowed.end(), principal.role) == allowed.end()) {
      throw core::AppError::forbidden();
    }
    return handler(req, principal);
  };
}

}  // namespace tiket::auth
