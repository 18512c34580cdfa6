#pragma once

#include "auth/authenticator.hpp"
#include "auth/rate_limit.hpp"
#include "http/json_fields.hpp"
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

// Reads the "email" field, lower-cased and checked, adding a field error when it is malformed
// (which says nothing about whether some account exists). nullopt when missing or invalid.
std::optional<std::string> read_email(http::FieldReader& in);

}  // namespace tiket::users
