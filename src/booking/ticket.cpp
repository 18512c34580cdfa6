#include "booking/ticket.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>

namespace tiket::booking {

namespace {
constexpr std::string_view kPrefix = "TKT-";
constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::size_t kRandomBytes = 16;                        // 128 bits
constexpr std::size_t kCodeChars = (kRandomBytes * 8 + 4) / 5;  // 26
}  // namespace

nlohmann::json to_json(const Ticket& ticket) {
  nlohmann::json out = {{"code", ticket.code},
                        {"booking_code", ticket.booking_code},
                        {"concert_id", ticket.concert_id},
                        {"ticket_type_id", ticket.ticket_type_id},
                        {"ticket_type_name", ticket.ticket_type_name},
                        {"holder", ticket.holder},
                        {"checked_in_at", nullptr}};
  if (ticket.checked_in_at) {
    out["checked_in_at"] = *ticket.checked_in_at;
  }
  return out;
}

std::string make_ticket_code() {
  std::array<unsigned char, kRandomBytes> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::string out(kPrefix);
  unsigned buffer = 0;
  unsigned bits = 0;
  for (const auto byte : bytes) {
    buffer = (buffer << 8U) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += kBase32[(buffer >> bits) & 0x1FU];
    }
  }
  if (bits > 0) {
    out += kBase32[(buffer << (5 - bits)) & 0x1FU];
  }
  return out;
}

bool looks_like_ticket_code(std::string_view code) {
  if (code.size() != kPrefix.size() + kCodeChars || !code.starts_with(kPrefix)) {
    return false;
  }
  return std::ranges::all_of(code.substr(kPrefix.size()),
                             [](char c) { return kBase32.find(c) != std::string_view::npos; });
}

}  // namespace tiket::booking
