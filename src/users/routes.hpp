#pragma once

#include "core/rate_limit.hpp"
#include "http/authenticator.hpp"
#include "http/json_fields.hpp"
#include "http/router.hpp"
#include "users/service.hpp"

namespace tiket::users {

struct UserRouteDeps {
  UserService& users;
  const http::Authenticator& authenticator;
  core::RateLimiter& create_limit;  // per admin
};

// POST/GET /api/users, GET/PATCH /api/users/{id}.
void register_routes(http::Router& router, const UserRouteDeps& deps);

}  // namespace tiket::users
