#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <vector>

#include "auth/jwt.hpp"
#include "auth/principal.hpp"
#include "core/errors.hpp"
#include "http/router.hpp"

namespace tiket::auth {

// A 401 with `WWW-Authenticate: Bearer realm="tiket"`, for every authentication failure.
core::AppError unauthorized(std::string detail);

using AuthedHandler = std::function<http::Response(http::Request&, const Principal&)>;

// Turns "Authorization: Bearer <JWT>" into a Principal. Role checks are declared where a route
// is registered, with require(): handlers never repeat them.
class Authenticator {
 public:
  explicit Authenticator(const JwtService& jwt) : jwt_(jwt) {}

  // 401 (with WWW-Authenticate: Bearer) when the header is missing or the token is not valid.
  // Records the user id on the request for the access log.
  Principal authenticate(http::Request& req) const;

  // For operations open to anyone that show more to some callers: no Authorization header →
  // nullopt (anonymous); a header that is present must be valid, else 401 as above, so that a
  // client with an expired token learns it instead of silently seeing the anonymous view.
  std::optional<Principal> authenticate_optional(http::Request& req) const;

  // A handler that runs only for an authenticated caller whose role is in `roles` (an empty
  // list means any role); 401 without a valid token, 403 with the wrong role.
  http::Handler require(std::initializer_list<Role> roles, AuthedHandler handler) const;

 private:
  const JwtService& jwt_;
};

}  // namespace tiket::auth
