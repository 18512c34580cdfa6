#include "booking/booking.hpp"

#include <fmt/format.h>

#include "core/errors.hpp"

namespace tiket::booking {

std::string_view to_string(Status status) {
  switch (status) {
    case Status::pending_payment:
      return "pending_payment";
    case Status::paid:
      return "paid";
    case Status::expired:
      return "expired";
    case Status::cancelled:
      return "cancelled";
  }
  return "pending_payment";
}

std::optional<Status> parse_status(std::string_view text) {
  for (const auto s : {Status::pending_payment, Status::paid, Status::expired, Status::cancelled}) {
    if (text == to_string(s)) {
      return s;
    }
  }
  return std::nullopt;
}

Status parse_stored_status(std::string_view text) {
  if (const auto status = parse_status(text)) {
    return *status;
  }
  throw core::DataIntegrityError("bookings.status has an unknown value '" + std::string(text) +
                                 "'");
}

nlohmann::json to_json(const Booking& booking) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& item : booking.items) {
    items.push_back({{"ticket_type_id", item.ticket_type_id},
                     {"quantity", item.quantity},
                     {"unit_price", item.unit_price}});
  }
  return {{"code", booking.code},
          {"status", to_string(booking.status)},
          {"concert_id", booking.concert_id},
          {"user_id", booking.user_id},
          {"items", items},
          {"total_amount", booking.total_amount},
          {"expires_at", booking.expires_at},
          {"created_at", booking.created_at}};
}

nlohmann::json to_json(const BookingState& state) {
  return {
      {"code", state.code}, {"status", to_string(state.status)}, {"updated_at", state.updated_at}};
}

bool is_final(Status status) {
  return status != Status::pending_payment;
}

std::string format_code(const core::Date& day, std::uint32_t number) {
  return fmt::format("TIX-{}-{:06}", core::format_compact(day), number);
}

bool looks_like_code(std::string_view code) {
  // TIX-20261121-000042; the number may grow past six digits on a very busy day.
  if (code.size() < 19 || code.size() > 24 || code.substr(0, 4) != "TIX-" || code[12] != '-') {
    return false;
  }
  for (std::size_t i = 4; i < code.size(); ++i) {
    if (i != 12 && (code[i] < '0' || code[i] > '9')) {
      return false;
    }
  }
  return true;
}

}  // namespace tiket::booking
