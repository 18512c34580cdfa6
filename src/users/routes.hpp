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

// GET /api/users's query.
struct UserListRequest {
  std::optional<identity::Role> role;
  std::optional<std::string> cursor;
  unsigned limit = 20;
};

// Reads GET /api/users's query with the strict QueryReader: every problem at once, and an
// unknown parameter is one of them (400).
UserListRequest read_user_list_request(const http::Request& req);

// POST/GET /api/users, GET/PATCH /api/users/{id}.
void register_routes(http::Router& router, const UserRouteDeps& deps);

}  // namespace tiket::users
