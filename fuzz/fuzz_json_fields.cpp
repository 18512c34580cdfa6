// JSON request bodies: Request::json_body, the FieldReader checks, and the request readers
// built on them (booking's POST /api/bookings body, the email field).
// Input: the raw request body.

#include <algorithm>
#include <set>

#include "booking/routes.hpp"
#include "core/utf8.hpp"
#include "fuzz_support.hpp"
#include "http/json_fields.hpp"
#include "http/message.hpp"

namespace {

using tiket::fuzz::parse_or_client_error;
using tiket::fuzz::require;

bool has_control_character(std::string_view text) {
  return std::ranges::any_of(
      text, [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
}

void check_string(const std::optional<std::string>& value, std::size_t min, std::size_t max) {
  if (!value) {
    return;
  }
  const auto length = tiket::core::utf8_length(*value);
  require(length.has_value(), "FieldReader::string returned invalid UTF-8");
  require(*length >= min && *length <= max, "FieldReader::string ignored its length bounds");
  require(!has_control_character(*value), "FieldReader::string returned a control character");
}

void read_generic(const nlohmann::json& body) {
  tiket::http::FieldReader in(body, {"name", "note", "quantity", "role", "email"});
  const auto name = in.string("name", true, 1, 100);
  const auto note = in.string("note", false, 0, 10, /*trim=*/false);
  const auto quantity = in.integer("quantity", false, -5, 100);
  const auto role = in.one_of("role", false, {"admin", "customer"});
  const auto email = tiket::http::read_email(in);
  check_string(name, 1, 100);
  check_string(note, 0, 10);
  require(!quantity || (*quantity >= -5 && *quantity <= 100), "integer out of its bounds");
  require(!role || *role == "admin" || *role == "customer", "one_of returned another value");
  require(!email || email->find('@') != std::string::npos, "read_email returned no '@'");
  const bool all_read = name.has_value() && in.ok();
  in.finish();  // throws when anything was wrong
  require(all_read, "finish() passed although a required field was missing");
}

void read_booking(const nlohmann::json& body) {
  const auto request = tiket::booking::read_booking_request(body);
  require(request.concert_id >= 1, "booking concert_id below 1");
  require(!request.items.empty() && request.items.size() <= 10, "booking item count");
  std::set<std::int64_t> types;
  for (const auto& item : request.items) {
    require(item.quantity >= 1 && item.quantity <= 100, "booking quantity out of range");
    require(types.insert(item.ticket_type_id).second, "booking ticket type twice");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tiket::http::Request req;
  req.method = tiket::http::Method::Post;
  req.headers = {{"content-type", "application/json; charset=utf-8"}};
  req.body = std::string(tiket::fuzz::as_text(data, size));
  nlohmann::json body;
  bool parsed = false;
  parse_or_client_error([&] {
    body = req.json_body();
    parsed = true;
  });
  if (!parsed) {
    return 0;
  }
  parse_or_client_error([&] { read_generic(body); });
  parse_or_client_error([&] { read_booking(body); });
  return 0;
}
