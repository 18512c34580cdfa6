#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "catalog/concert.hpp"
#include "catalog/listing.hpp"
#include "db/pool.hpp"

namespace tiket::catalog {

struct NewConcert {
  std::int64_t organizer_id = 0;
  std::string title;
  std::string artist;
  std::string venue;
  std::string city;
  core::Timestamp starts_at{};
};

// Absent fields stay as they are.
struct ConcertChanges {
  std::optional<std::string> title;
  std::optional<std::string> artist;
  std::optional<std::string> venue;
  std::optional<std::string> city;
  std::optional<core::Timestamp> starts_at;
  std::optional<ConcertStatus> status;
};

// GET /api/organizer/concerts: every status, newest first, keyset-paged by id.
struct OwnedFilter {
  std::optional<std::int64_t> organizer_id;  // nullopt: every organizer's (admins only)
  std::optional<ConcertStatus> status;
  std::int64_t before_id = 0;  // 0: from the newest
  unsigned limit = 20;
};

struct NewTicketType {
  std::int64_t concert_id = 0;
  std::string name;
  std::int64_t price = 0;
  std::int64_t quota = 0;
  std::optional<std::int64_t> per_user_limit;
};

// SQL for concerts and ticket types and nothing else.
class CatalogRepository {
 public:
  // The concert without its ticket types.
  std::optional<Concert> find(db::Connection& conn, std::int64_t id, bool for_update = false) const;
  // The concert with its ticket types (oldest first), in one statement.
  std::optional<Concert> find_with_ticket_types(db::Connection& conn, std::int64_t id) const;
  // The ticket types of several concerts in one statement (WHERE concert_id IN (...)).
  std::vector<TicketType> ticket_types_of(db::Connection& conn,
                                          const std::vector<std::int64_t>& concert_ids) const;
  // Published concerts matching `filters`, ordered by (starts_at, id), strictly after `after`,
  // at most `limit`. `fulltext` is the BOOLEAN MODE expression for filters.q (fulltext_terms).
  std::vector<Concert> list_published(db::Connection& conn, const ListFilters& filters,
                                      const std::optional<std::string>& fulltext,
                                      const std::optional<Keyset>& after, unsigned limit) const;
  // Concerts in any status, by id descending (ix_concerts_organizer, or the primary key for
  // everyone's), strictly before filter.before_id, at most filter.limit; without ticket types.
  std::vector<Concert> list_owned(db::Connection& conn, const OwnedFilter& filter) const;
  std::int64_t count_ticket_types(db::Connection& conn, std::int64_t concert_id) const;
  std::int64_t count_by_organizer(db::Connection& conn, std::int64_t organizer_id) const;

  std::int64_t insert(db::Connection& conn, const NewConcert& concert) const;
  void update(db::Connection& conn, std::int64_t id, const ConcertChanges& changes) const;
  // Ticket types go with it (ON DELETE CASCADE).
  void remove(db::Connection& conn, std::int64_t id) const;
  // available starts at quota. The new id, or nullopt (nothing inserted) when the concert
  // already has a ticket type with this name.
  std::optional<std::int64_t> insert_ticket_type(db::Connection& conn,
                                                 const NewTicketType& type) const;
  // concerts.min_price = the cheapest of the concert's ticket types (NULL when none).
  void refresh_min_price(db::Connection& conn, std::int64_t concert_id) const;
};

}  // namespace tiket::catalog
