#include "identity/principal.hpp"

namespace tiket::identity {

std::string_view to_string(Role role) {
  switch (role) {
    case Role::admin:
      return "admin";
    case Role::organizer:
      return "organizer";
    case Role::customer:
      return "customer";
  }
  return "customer";
}

std::optional<Role> parse_role(std::string_view text) {
  if (text == "admin") {
    return Role::admin;
  }
  if (text == "organizer") {
    return Role::organizer;
  }
  if (text == "customer") {
    return Role::customer;
  }
  return std::nullopt;
}

}  // namespace tiket::identity
