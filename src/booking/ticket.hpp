#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace tiket::booking {

// One seat of a paid booking: the e-ticket shown at the door.
struct Ticket {
  std::int64_t id = 0;
  std::string code;  // TKT- + 26 base32 characters: 128 random bits
  std::string booking_code;
  std::int64_t concert_id = 0;
  std::int64_t ticket_type_id = 0;
  std::string ticket_type_name;
  std::string holder;                        // the booking customer's name
  std::optional<std::string> checked_in_at;  // RFC 3339 UTC, once admitted
};

nlohmann::json to_json(const Ticket& ticket);

// A fresh ticket code from the system's CSPRNG (libsodium): "TKT-" and 26 characters of the
// RFC 4648 base32 alphabet, 128 bits of randomness.
std::string make_ticket_code();

// True when `code` has the shape make_ticket_code() gives (checked before any query).
bool looks_like_ticket_code(std::string_view code);

}  // namespace tiket::booking
