#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tiket::identity {

enum class Role { admin, organizer, customer };

std::string_view to_string(Role role);
std::optional<Role> parse_role(std::string_view text);

// Who is calling, as established from a verified access token.
struct Principal {
  std::int64_t user_id = 0;
  Role role = Role::customer;

  bool is_admin() const { return role == Role::admin; }
};

}  // namespace tiket::identity
