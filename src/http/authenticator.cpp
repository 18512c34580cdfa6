#include "http/authenticator.hpp"

#include <algorithm>
#include <cctype>

#include "core/errors.hpp"

namespace tiket::http {

identity::Principal Authenticator::authenticate(Request& req) const {
  if (req.principal) {
    return *req.principal;  // verified earlier for this same request
  }
  const auto header = req.header("authorization");
  if (!header) {
    throw identity::unauthorized(
        "Authentication is required: send Authorization: Bearer <access token>.");
  }
  constexpr std::string_view kScheme = "bearer ";
  if (header->size() <= kScheme.size() ||
      !std::equal(kScheme.begin(), kScheme.end(), header->begin(), [](char a, char b) {
        return a == std::tolower(static_cast<unsigned char>(b));
      })) {
    throw identity::unauthorized("The Authorization header must use the Bearer scheme.");
  }
  auto token = header->substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') {
    token.remove_prefix(1);
  }
  identity::Principal principal;
  try {
    principal = verifier_.verify(token);
  } catch (core::AppError& e) {
    e.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="tiket", error="invalid_token")");
    throw;
  }
  req.user_id = principal.user_id;
  req.principal = principal;
  return principal;
}

std::optional<identity::Principal> Authenticator::authenticate_optional(Request& req) const {
  if (!req.header("authorization")) {
    return std::nullopt;
  }
  return authenticate(req);
}

Handler Authenticator::require(std::initializer_list<identity::Role> roles,
                               AuthedHandler handler) const {
  std::vector<identity::Role> allowed(roles);
  return [this, allowed = std::move(allowed), handler = std::move(handler)](Request& req) {
    const auto principal = authenticate(req);
    if (!allowed.empty() &&
        std::find(allowed.begin(), allowed.end(), principal.role) == allowed.end()) {
      throw core::AppError::forbidden();
    }
    return handler(req, principal);
  };
}

}  // namespace tiket::http
