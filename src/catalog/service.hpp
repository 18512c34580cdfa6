#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog/cache.hpp"
#include "catalog/concert.hpp"
#include "catalog/listing.hpp"
#include "catalog/repository.hpp"
#include "db/pool.hpp"
#include "identity/principal.hpp"

namespace tiket::catalog {

struct CatalogOptions {
  std::chrono::milliseconds cache_ttl{2000};  // 0 turns the read cache off
  // Bounds on memory: a cached page of 100 concerts is some tens of KiB, one concert about
  // one KiB (ADR 0008).
  std::size_t list_cache_entries = 1'000;
  std::size_t detail_cache_entries = 10'000;
};

struct ConcertInput {
  std::string title;
  std::string artist;
  std::string venue;
  std::string city;
  core::Timestamp starts_at{};
};

// What a PATCH names; absent fields stay as they are. The same shape the repository writes.
using ConcertPatch = ConcertChanges;

struct TicketTypeInput {
  std::string name;
  std::int64_t price = 0;
  std::int64_t quota = 0;
  std::optional<std::int64_t> per_user_limit;
};

struct ConcertPage {
  std::vector<Concert> items;
  std::optional<std::string> next_cursor;
  std::string json;  // the response body, rendered once when the page is loaded
};

// Turns a loaded page into its response body. The routes pass the shared page shape
// (http::page_json); the service stores the bytes with the cached page and never parses them.
using RenderPage = std::function<std::string(const ConcertPage&)>;

// A cached concert (nullopt: no such id, cached too) and, when it is published, its public
// response body, serialised once when it is loaded.
struct CachedConcert {
  std::optional<Concert> concert;
  std::string public_json;
};

// "must be in the future" when a concert starting at `starts_at` cannot be scheduled at `now`.
std::optional<std::string> starts_at_problem(core::Timestamp starts_at, core::Timestamp now);
// per_user_limit must not exceed quota.
std::vector<core::FieldError> ticket_type_problems(const TicketTypeInput& input);

// The rules about concerts and ticket types. Blocking (DB): call it from worker threads.
//
// Who may do what: an organizer writes only their own concerts, an admin all of them; someone
// else's concert answers 404, like a missing one. Drafts and cancelled concerts are visible
// only to their owner and admins; the public list has published concerts only.
//
// Public reads go through an in-process cache (ReadCache): `available` in a response may be
// up to cache_ttl old. Every write here invalidates the concert's detail entry and every
// list entry on this replica; other replicas see it when their entries expire.
class CatalogService {
 public:
  CatalogService(db::Pool& pool, CatalogOptions options, prometheus::Registry& registry);

  // A draft owned by the caller (organizer or admin). 400 when starts_at is not in the future.
  Concert create_concert(const ConcertInput& input, const identity::Principal& caller,
                         const std::string& request_id);

  // Changes fields and/or status. Status may go draft → published (needs a ticket type and a
  // future start), draft → cancelled or published → cancelled; naming the current status is a
  // no-op; anything else is 422, as is any change to a cancelled concert.
  Concert update_concert(std::int64_t id, const ConcertPatch& patch,
                         const identity::Principal& caller, const std::string& request_id);

  // Only a draft can be deleted (409 otherwise: cancel it instead).
  void delete_concert(std::int64_t id, const identity::Principal& caller,
                      const std::string& request_id);

  // available = quota; 409 when the name is taken on this concert, 422 on a cancelled one.
  TicketType add_ticket_type(std::int64_t concert_id, const TicketTypeInput& input,
                             const identity::Principal& caller, const std::string& request_id);

  // Published concerts, by (starts_at, id), keyset-paginated. bad_request for a malformed
  // cursor, a limit outside 1..100 or contradictory filters (see filter_problems). Cached, with the
  // body `render` made for it when it was loaded.
  std::shared_ptr<const ConcertPage> list(const ListFilters& filters,
                                          const std::optional<std::string>& cursor, unsigned limit,
                                          const RenderPage& render);

  // The concerts an organizer runs, in every status (drafts and cancelled ones too), newest
  // first, each with its ticket types; never cached. An organizer sees their own (naming
  // another organizer_id is 403); an admin sees everyone's, or one organizer's. 400 for a
  // malformed cursor or a limit outside 1..100.
  ConcertPage list_owned(const identity::Principal& caller, OwnedFilter filter,
                         const std::optional<std::string>& cursor);

  // The concert with its ticket types, if `caller` may see it; 404 otherwise. Cached.
  std::shared_ptr<const Concert> get(std::int64_t id,
                                     const std::optional<identity::Principal>& caller);

  // Non-blocking reads of this replica's cache, for the reactor-thread fast path: the body of
  // a fresh cached public list page / published concert, or nullptr (then use list()/get()).
  // Never touch the database. Invalid input is nullptr too: list() reports it.
  std::shared_ptr<const std::string> cached_list_json(const ListFilters& filters,
                                                      const std::optional<std::string>& cursor,
                                                      unsigned limit);
  std::shared_ptr<const std::string> cached_public_json(std::int64_t id);
  // Drops the cached detail of one concert. The booking module calls it after a booking,
  // cancellation or expiry changes `available`; list entries keep their `available` until
  // they expire (at most cache_ttl).
  void invalidate_concert(std::int64_t concert_id);

  // How many concerts `organizer_id` owns, in any status (seed-demo uses it).
  std::int64_t count_owned(std::int64_t organizer_id);

  CacheStats list_cache_stats() const { return lists_.stats(); }
  CacheStats detail_cache_stats() const { return details_.stats(); }

 private:
  struct Metrics {
    prometheus::Counter* hits;
    prometheus::Counter* misses;
    prometheus::Counter* coalesced;
    prometheus::Counter* list_queries;
    prometheus::Counter* detail_queries;
  };
  static Metrics register_metrics(prometheus::Registry& registry);
  ReadCacheOptions cache_options(std::chrono::milliseconds ttl, std::size_t max_entries) const;

  // Fills each concert's ticket_types with one statement for the whole page.
  void attach_ticket_types(db::Connection& conn, std::vector<Concert>& rows) const;

  // After a committed write: the concert's detail and every list.
  void invalidate_after_write(std::int64_t concert_id);

  db::Pool& pool_;
  CatalogRepository repo_;
  Metrics metrics_;
  ReadCache<ConcertPage> lists_;
  ReadCache<CachedConcert> details_;
};

}  // namespace tiket::catalog
