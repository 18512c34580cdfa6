#include "users/user.hpp"

#include <algorithm>
#include <cctype>

namespace tiket::users {

std::string_view to_string(Status status) {
  return status == Status::active ? "active" : "disabled";
}

std::optional<Status> parse_status(std::string_view text) {
  if (text == "active") {
    return Status::active;
  }
  if (text == "disabled") {
    return Status::disabled;
  }
  return std::nullopt;
}

nlohmann::json to_json(const User& user) {
  return {{"id", user.id},
          {"email", user.email},
          {"name", user.name},
          {"role", identity::to_string(user.role)},
          {"status", to_string(user.status)},
          {"created_at", user.created_at}};
}

}  // namespace tiket::users
