#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "identity/principal.hpp"

namespace tiket::users {

enum class Status { active, disabled };

std::string_view to_string(Status status);
std::optional<Status> parse_status(std::string_view text);

struct User {
  std::int64_t id = 0;
  std::string email;
  std::string name;
  std::string password_hash;  // never leaves the service layer
  identity::Role role = identity::Role::customer;
  Status status = Status::active;
  std::string created_at;  // RFC 3339 UTC
};

// {id, email, name, role, status, created_at}: the only shape a user takes in a response.
// It has no hash and no token by construction.
nlohmann::json to_json(const User& user);

}  // namespace tiket::users
