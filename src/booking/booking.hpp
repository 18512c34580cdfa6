#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace tiket::booking {

enum class Status { pending_payment, paid, expired, cancelled };

// Statuses are parsed once, where text comes in (a query parameter, a row), and formatted once,
// where it goes out (SQL, JSON); in between only the enum is compared.
std::string_view to_string(Status status);
// nullopt for anything else: input from a client.
std::optional<Status> parse_status(std::string_view text);
// bookings.status as read from the database: core::DataIntegrityError for an unknown value.
Status parse_stored_status(std::string_view text);

struct Item {
  std::int64_t ticket_type_id = 0;
  std::int64_t quantity = 0;
  std::int64_t unit_price = 0;
};

struct Booking {
  std::int64_t id = 0;
  std::string code;
  Status status = Status::pending_payment;
  std::int64_t user_id = 0;
  std::int64_t concert_id = 0;
  std::vector<Item> items;
  std::int64_t total_amount = 0;
  std::string expires_at;  // RFC 3339 UTC
  std::string created_at;  // RFC 3339 UTC
};

nlohmann::json to_json(const Booking& booking);

// Where a booking stands, for watchers (the status stream): code, status, and when the row
// last changed.
struct BookingState {
  std::string code;
  Status status = Status::pending_payment;
  std::string updated_at;  // RFC 3339 UTC with microseconds
};

// {code, status, updated_at}
nlohmann::json to_json(const BookingState& state);

// paid, expired and cancelled never change again.
bool is_final(Status status);

// TIX-YYYYMMDD-NNNNNN: the business day and its running number, at least six digits.
std::string format_code(const core::Date& day, std::uint32_t number);

// True when `code` has the shape of a booking code (checked before any query).
bool looks_like_code(std::string_view code);

}  // namespace tiket::booking
