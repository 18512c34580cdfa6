#include "catalog/concert.hpp"

#include "core/errors.hpp"

namespace tiket::catalog {

namespace {
nlohmann::json optional_int(const std::optional<std::int64_t>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}
}  // namespace

std::string_view to_string(ConcertStatus status) {
  switch (status) {
    case ConcertStatus::draft:
      return "draft";
    case ConcertStatus::published:
      return "published";
    case ConcertStatus::cancelled:
      return "cancelled";
  }
  return "draft";
}

std::optional<ConcertStatus> parse_concert_status(std::string_view text) {
  for (const auto s : {ConcertStatus::draft, ConcertStatus::published, ConcertStatus::cancelled}) {
    if (text == to_string(s)) {
      return s;
    }
  }
  return std::nullopt;
}

ConcertStatus parse_stored_concert_status(std::string_view text) {
  if (const auto status = parse_concert_status(text)) {
    return *status;
  }
  throw core::DataIntegrityError("concerts.status has an unknown value '" + std::string(text) +
                                 "'");
}

bool is_allowed_transition(ConcertStatus from, ConcertStatus to) {
  return (from == ConcertStatus::draft && to == ConcertStatus::published) ||
         (from == ConcertStatus::draft && to == ConcertStatus::cancelled) ||
         (from == ConcertStatus::published && to == ConcertStatus::cancelled);
}

nlohmann::json to_json(const TicketType& type) {
  return {{"id", type.id},
          {"name", type.name},
          {"price", type.price},
          {"quota", type.quota},
          {"available", type.available},
          {"per_user_limit", optional_int(type.per_user_limit)}};
}

nlohmann::json to_json(const Concert& concert) {
  nlohmann::json types = nlohmann::json::array();
  for (const auto& t : concert.ticket_types) {
    types.push_back(to_json(t));
  }
  return {{"id", concert.id},
          {"title", concert.title},
          {"artist", concert.artist},
          {"venue", concert.venue},
          {"city", concert.city},
          {"starts_at", core::format_rfc3339(concert.starts_at)},
          {"status", to_string(concert.status)},
          {"organizer_id", concert.organizer_id},
          {"min_price", optional_int(concert.min_price)},
          {"ticket_types", std::move(types)}};
}

}  // namespace tiket::catalog
