#pragma once

#include <string>
#include <string_view>

#include "core/errors.hpp"
#include "identity/principal.hpp"

namespace tiket::identity {

// A 401 with `WWW-Authenticate: Bearer realm="tiket"`, for every authentication failure.
core::AppError unauthorized(std::string detail);

// Checks an access token and says whose it is. The auth module implements it (RS256 JWTs); the
// HTTP guard (http::Authenticator) depends only on this interface, so every module's routes can
// authenticate callers without depending on the auth module, and auth can use the users module
// without a cycle (docs/adr/0011-module-boundaries.md).
class AccessTokenVerifier {
 public:
  AccessTokenVerifier() = default;
  virtual ~AccessTokenVerifier() = default;
  AccessTokenVerifier(const AccessTokenVerifier&) = delete;
  AccessTokenVerifier& operator=(const AccessTokenVerifier&) = delete;
  AccessTokenVerifier(AccessTokenVerifier&&) = delete;
  AccessTokenVerifier& operator=(AccessTokenVerifier&&) = delete;

  // The caller the token was issued to. Throws core::AppError 401 for any token that is not
  // valid (malformed, bad signature, expired, wrong issuer or audience, unknown role).
  virtual Principal verify(std::string_view token) const = 0;
};

}  // namespace tiket::identity
