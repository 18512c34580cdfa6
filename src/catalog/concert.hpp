#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/timestamp.hpp"

namespace tiket::catalog {

enum class ConcertStatus { draft, published, cancelled };

// Parsed once where text comes in, formatted once where it goes out; only the enum is compared.
std::string_view to_string(ConcertStatus status);
// nullopt for anything else: input from a client.
std::optional<ConcertStatus> parse_concert_status(std::string_view text);
// concerts.status as read from the database: core::DataIntegrityError for an unknown value.
ConcertStatus parse_stored_concert_status(std::string_view text);

// draft → published, draft → cancelled, published → cancelled. Nothing leaves `cancelled`, and
// a published concert never goes back to draft (people may already hold tickets).
bool is_allowed_transition(ConcertStatus from, ConcertStatus to);

struct TicketType {
  std::int64_t id = 0;
  std::int64_t concert_id = 0;
  std::string name;
  std::int64_t price = 0;  // whole rupiah
  std::int64_t quota = 0;
  std::int64_t available = 0;  // live stock, kept by the booking module
  std::optional<std::int64_t> per_user_limit;
};

struct Concert {
  std::int64_t id = 0;
  std::int64_t organizer_id = 0;
  std::string title;
  std::string artist;
  std::string venue;
  std::string city;
  core::Timestamp starts_at{};
  ConcertStatus status = ConcertStatus::draft;
  std::optional<std::int64_t> min_price;  // cheapest ticket type; nullopt while there is none
  std::vector<TicketType> ticket_types;
};

// {id, name, price, quota, available, per_user_limit}
nlohmann::json to_json(const TicketType& type);
// {id, title, artist, venue, city, starts_at, status, organizer_id, min_price, ticket_types}
nlohmann::json to_json(const Concert& concert);

// Field limits, shared by the routes (validation) and the docs.
inline constexpr std::size_t kMaxTitle = 200;
inline constexpr std::size_t kMaxArtist = 200;
inline constexpr std::size_t kMaxVenue = 200;
inline constexpr std::size_t kMaxCity = 100;
inline constexpr std::size_t kMaxTicketTypeName = 100;
inline constexpr std::int64_t kMaxPrice = 1'000'000'000'000;  // 1e12 rupiah
inline constexpr std::int64_t kMaxQuota = 1'000'000;

}  // namespace tiket::catalog
