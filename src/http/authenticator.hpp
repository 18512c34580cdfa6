#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <vector>

#include "core/errors.hpp"
#include "http/router.hpp"
#include "identity/principal.hpp"
#include "identity/token_verifier.hpp"

namespace tiket::http {

using AuthedHandler = std::function<Response(Request&, const identity::Principal&)>;

// Turns "Authorization: Bearer <JWT>" into a Principal. Role checks are declared where a route
// is registered, with require(): handlers never repeat them.
class Authenticator {
 public:
  explicit Authenticator(const identity::AccessTokenVerifier& verifier) : verifier_(verifier) {}

  // 401 (with WWW-Authenticate: Bearer) when the header is missing or the token is not valid.
  // Records the user id on the request for the access log.
  identity::Principal authenticate(Request& req) const;

  // For operations open to anyone that show more to some callers: no Authorization header →
  // nullopt (anonymous); a header that is present must be valid, else 401 as above, so that a
  // client with an expired token learns it instead of silently seeing the anonymous view.
  std::optional<identity::Principal> authenticate_optional(Request& req) const;

  // A handler that runs only for an authenticated caller whose role is in `roles` (an empty
  // list means any role); 401 without a valid token, 403 with the wrong role.
  Handler require(std::initializer_list<identity::Role> roles, AuthedHandler handler) const;

 private:
  const identity::AccessTokenVerifier& verifier_;
};

}  // namespace tiket::http
