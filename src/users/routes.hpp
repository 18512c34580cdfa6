#pragma once

#include "auth/authenticator.hpp"
#include "auth/rate_limit.hpp"
#include "http/router.hpp"
#include "users/service.hpp"

namespace tiket::users {

struct UserRouteDeps {
  UserService& users;
  const auth::Authenticator& authenticator;
  auth::RateLimiter& create_limit;  // per admin
};

// POST/GET /api/users, GET/PATCH /api/users/{id}.
void register_routes(http::Router& router, const UserRouteDeps& deps);

// A path id: a positive decimal int64 without sign, spaces or leading zeros. 400 otherwise.
std::int64_t parse_id(std::string_view text);

}  // namespace tiket::users
