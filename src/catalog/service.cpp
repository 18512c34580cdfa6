#include "catalog/service.hpp"

#include <unordered_map>

#include "core/cursor.hpp"
#include "core/errors.hpp"
#include "db/audit.hpp"
#include "db/transaction.hpp"

namespace tiket::catalog {

namespace {

constexpr std::string_view kNoConcert = "No concert with this id.";
// Cursors of GET /api/organizer/concerts (paged by id), never accepted by another list.
constexpr char kOwnedCursorTag = 'o';

core::Timestamp now() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

std::string detail_key(std::int64_t id) {
  return "concert:" + std::to_string(id);
}

bool may_write(const Concert& concert, const identity::Principal& caller) {
  return caller.is_admin() ||
         (caller.role == identity::Role::organizer && concert.organizer_id == caller.user_id);
}

bool may_see(const Concert& concert, const std::optional<identity::Principal>& caller) {
  return concert.status == ConcertStatus::published || (caller && may_write(concert, *caller));
}

void require_writer_role(const identity::Principal& caller) {
  if (!caller.is_admin() && caller.role != identity::Role::organizer) {
    throw core::AppError::forbidden("Only organizers and admins manage concerts.");
  }
}

// The concert, locked, if the caller may change it: not_found otherwise, like a missing one.
Concert lock_for_write(const CatalogRepository& repo, db::Connection& conn, std::int64_t id,
                       const identity::Principal& caller) {
  auto concert = repo.find(conn, id, true);
  if (!concert || !may_write(*concert, caller)) {
    throw core::AppError::not_found(std::string(kNoConcert));
  }
  return *concert;
}

prometheus::Counter* counter(prometheus::Family<prometheus::Counter>& family,
                             const std::string& label, const std::string& value) {
  return &family.Add({{label, value}});
}

}  // namespace

std::optional<std::string> starts_at_problem(core::Timestamp starts_at, core::Timestamp now) {
  if (starts_at <= now) {
    return "must be in the future";
  }
  return std::nullopt;
}

std::vector<core::FieldError> ticket_type_problems(const TicketTypeInput& input) {
  std::vector<core::FieldError> out;
  if (input.per_user_limit && *input.per_user_limit > input.quota) {
    out.push_back({"per_user_limit", "must not be greater than quota"});
  }
  return out;
}

CatalogService::Metrics CatalogService::register_metrics(prometheus::Registry& registry) {
  auto& requests = prometheus::BuildCounter()
                       .Name("tiket_catalog_cache_requests_total")
                       .Help(
                           "Public catalog reads by how the cache served them: hit, miss (this "
                           "request ran the load) or coalesced (waited for another's load)")
                       .Register(registry);
  auto& queries = prometheus::BuildCounter()
                      .Name("tiket_catalog_db_queries_total")
                      .Help(
                          "Public catalog reads that went to the database: list (a page and its "
                          "ticket types) or detail (a concert and its ticket types)")
                      .Register(registry);
  return {counter(requests, "result", "hit"), counter(requests, "result", "miss"),
          counter(requests, "result", "coalesced"), counter(queries, "query", "list"),
          counter(queries, "query", "detail")};
}

ReadCacheOptions CatalogService::cache_options(std::chrono::milliseconds ttl,
                                               std::size_t max_entries) const {
  // Counted when the outcome is decided, so /metrics shows requests that are still waiting.
  return {ttl, max_entries, {}, [m = metrics_](CacheOutcome outcome) {
            switch (outcome) {
              case CacheOutcome::hit:
                m.hits->Increment();
                break;
              case CacheOutcome::miss:
                m.misses->Increment();
                break;
              case CacheOutcome::coalesced:
                m.coalesced->Increment();
                break;
            }
          }};
}

CatalogService::CatalogService(db::Pool& pool, CatalogOptions options,
                               prometheus::Registry& registry)
    : pool_(pool),
      metrics_(register_metrics(registry)),
      lists_(cache_options(options.cache_ttl, options.list_cache_entries)),
      details_(cache_options(options.cache_ttl, options.detail_cache_entries)) {}

void CatalogService::invalidate_concert(std::int64_t concert_id) {
  details_.invalidate(detail_key(concert_id));
}

void CatalogService::invalidate_after_write(std::int64_t concert_id) {
  details_.invalidate(detail_key(concert_id));
  lists_.clear();
}

Concert CatalogService::create_concert(const ConcertInput& input, const identity::Principal& caller,
                                       const std::string& request_id) {
  require_writer_role(caller);
  if (const auto problem = starts_at_problem(input.starts_at, now())) {
    throw core::AppError::validation({{"starts_at", *problem}});
  }
  const NewConcert row{caller.user_id, input.title, input.artist,
                       input.venue,    input.city,  input.starts_at};
  auto created = db::transaction(pool_, [&](db::Connection& conn) {
    const auto id = repo_.insert(conn, row);
    db::write_audit(conn, {caller.user_id,
                           "concert.create",
                           "concert",
                           std::to_string(id),
                           request_id,
                           {{"title", row.title}, {"city", row.city}}});
    auto concert = repo_.find(conn, id);
    if (!concert) {
      throw std::runtime_error("concert vanished after insert");
    }
    return *concert;
  });
  // A lookup of this id before it existed may have cached "not found".
  details_.invalidate(detail_key(created.id));
  return created;
}

Concert CatalogService::update_concert(std::int64_t id, const ConcertPatch& patch,
                                       const identity::Principal& caller,
                                       const std::string& request_id) {
  require_writer_role(caller);
  if (patch.starts_at) {
    if (const auto problem = starts_at_problem(*patch.starts_at, now())) {
      throw core::AppError::validation({{"starts_at", *problem}});
    }
  }
  auto updated = db::transaction(pool_, [&](db::Connection& conn) {
    const auto current = lock_for_write(repo_, conn, id, caller);
    const bool changes_fields =
        patch.title || patch.artist || patch.venue || patch.city || patch.starts_at;
    const bool changes_status = patch.status && *patch.status != current.status;
    if (current.status == ConcertStatus::cancelled && (changes_fields || changes_status)) {
      throw core::AppError::unprocessable("A cancelled concert cannot be changed.");
    }
    ConcertChanges changes = patch;
    changes.status.reset();  // decided below
    if (changes_status) {
      if (!is_allowed_transition(current.status, *patch.status)) {
        throw core::AppError::unprocessable(
            "A concert cannot go from " + std::string(to_string(current.status)) + " to " +
            std::string(to_string(*patch.status)) +
            "; allowed: draft to published, draft to cancelled, published to cancelled.");
      }
      if (*patch.status == ConcertStatus::published) {
        if (repo_.count_ticket_types(conn, id) == 0) {
          throw core::AppError::unprocessable(
              "A concert needs at least one ticket type before it is published.");
        }
        if (patch.starts_at.value_or(current.starts_at) <= now()) {
          throw core::AppError::unprocessable(
              "A concert that has already started cannot be published.");
        }
      }
      changes.status = patch.status;
    }
    repo_.update(conn, id, changes);
    nlohmann::json details = nlohmann::json::object();
    for (const auto& [field, value] :
         {std::pair{"title", changes.title}, std::pair{"artist", changes.artist},
          std::pair{"venue", changes.venue}, std::pair{"city", changes.city}}) {
      if (value) {
        details[field] = *value;
      }
    }
    if (changes.starts_at) {
      details["starts_at"] = core::format_rfc3339(*changes.starts_at);
    }
    if (changes.status) {
      details["status"] = to_string(*changes.status);
    }
    db::write_audit(conn, {caller.user_id, "concert.update", "concert", std::to_string(id),
                           request_id, details});
    auto concert = repo_.find_with_ticket_types(conn, id);
    if (!concert) {
      throw core::AppError::not_found(std::string(kNoConcert));
    }
    return *concert;
  });
  invalidate_after_write(id);
  return updated;
}

void CatalogService::delete_concert(std::int64_t id, const identity::Principal& caller,
                                    const std::string& request_id) {
  require_writer_role(caller);
  db::transaction(pool_, [&](db::Connection& conn) {
    const auto current = lock_for_write(repo_, conn, id, caller);
    if (current.status != ConcertStatus::draft) {
      throw core::AppError::conflict(
          "Only a draft can be deleted; cancel this concert instead (PATCH status=cancelled).");
    }
    repo_.remove(conn, id);
    db::write_audit(conn, {caller.user_id,
                           "concert.delete",
                           "concert",
                           std::to_string(id),
                           request_id,
                           {{"title", current.title}}});
  });
  invalidate_after_write(id);
}

TicketType CatalogService::add_ticket_type(std::int64_t concert_id, const TicketTypeInput& input,
                                           const identity::Principal& caller,
                                           const std::string& request_id) {
  require_writer_role(caller);
  if (auto problems = ticket_type_problems(input); !problems.empty()) {
    throw core::AppError::validation(std::move(problems));
  }
  const NewTicketType row{concert_id, input.name, input.price, input.quota, input.per_user_limit};
  auto created = db::transaction(pool_, [&](db::Connection& conn) {
    // The concert row is locked first: the insert below takes a shared lock on it for the
    // foreign key, and the min_price update an exclusive one. Two concurrent inserts that
    // both held the shared lock would deadlock upgrading it; locking it FOR UPDATE first
    // makes them queue instead.
    const auto concert = lock_for_write(repo_, conn, concert_id, caller);
    if (concert.status == ConcertStatus::cancelled) {
      throw core::AppError::unprocessable("A cancelled concert cannot get new ticket types.");
    }
    const auto id = repo_.insert_ticket_type(conn, row);
    if (!id) {
      throw core::AppError::conflict("This concert already has a ticket type with this name.");
    }
    repo_.refresh_min_price(conn, concert_id);
    db::write_audit(conn, {caller.user_id,
                           "ticket_type.create",
                           "concert",
                           std::to_string(concert_id),
                           request_id,
                           {{"ticket_type_id", *id},
                            {"name", row.name},
                            {"price", row.price},
                            {"quota", row.quota}}});
    return TicketType{*id,       concert_id, row.name,          row.price,
                      row.quota, row.quota,  row.per_user_limit};
  });
  invalidate_after_write(concert_id);
  return created;
}

std::shared_ptr<const ConcertPage> CatalogService::list(const ListFilters& filters,
                                                        const std::optional<std::string>& cursor,
                                                        unsigned limit, const RenderPage& render) {
  if (auto problems = filter_problems(filters); !problems.empty()) {
    throw core::AppError::bad_request("One or more query parameters are invalid; see errors[].",
                                      std::move(problems));
  }
  if (limit < 1 || limit > 100) {
    throw core::AppError::bad_request("limit must be a whole number from 1 to 100.",
                                      {{"limit", "must be between 1 and 100"}});
  }
  ListQuery query{filters, std::nullopt, limit};
  if (cursor) {
    query.after = decode_cursor(*cursor);
    if (!query.after) {
      throw core::AppError::bad_request("The cursor is not valid; use next_cursor as returned.",
                                        {{"cursor", "is not valid"}});
    }
  }
  const auto fulltext =
      filters.q ? fulltext_terms(*filters.q) : std::optional<std::string>(std::nullopt);
  auto lookup = lists_.get_or_load(cache_key(query), [&] {
    metrics_.list_queries->Increment();
    return db::with_connection(pool_, [&](db::Connection& conn) {
      // One extra row tells whether there is a next page without a COUNT.
      auto rows = repo_.list_published(conn, filters, fulltext, query.after, limit + 1);
      ConcertPage page;
      if (rows.size() > limit) {
        rows.resize(limit);
        page.next_cursor = encode_cursor({rows.back().starts_at, rows.back().id});
      }
      attach_ticket_types(conn, rows);
      page.items = std::move(rows);
      page.json = render(page);
      return page;
    });
  });
  return lookup.value;
}

// The ticket types of a page of concerts, in one statement (WHERE concert_id IN (...)), each
// appended to its concert.
void CatalogService::attach_ticket_types(db::Connection& conn, std::vector<Concert>& rows) const {
  std::vector<std::int64_t> ids;
  std::unordered_map<std::int64_t, std::size_t> position;
  ids.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    ids.push_back(rows[i].id);
    position.emplace(rows[i].id, i);
  }
  for (auto& type : repo_.ticket_types_of(conn, ids)) {
    rows[position.at(type.concert_id)].ticket_types.push_back(std::move(type));
  }
}

ConcertPage CatalogService::list_owned(const identity::Principal& caller, OwnedFilter filter,
                                       const std::optional<std::string>& cursor) {
  if (!caller.is_admin()) {
    if (filter.organizer_id && *filter.organizer_id != caller.user_id) {
      throw core::AppError::forbidden("Only an admin may list another organizer's concerts.");
    }
    filter.organizer_id = caller.user_id;
  }
  if (filter.limit < 1 || filter.limit > 100) {
    throw core::AppError::bad_request("limit must be a whole number from 1 to 100.",
                                      {{"limit", "must be between 1 and 100"}});
  }
  filter.before_id = cursor ? core::decode_id_cursor(kOwnedCursorTag, *cursor) : 0;
  const auto limit = filter.limit;
  filter.limit = limit + 1;  // one extra row tells whether there is a next page
  return db::with_connection(pool_, [&](db::Connection& conn) {
    auto rows = repo_.list_owned(conn, filter);
    ConcertPage page;
    if (rows.size() > limit) {
      rows.resize(limit);
      page.next_cursor = core::encode_id_cursor(kOwnedCursorTag, rows.back().id);
    }
    attach_ticket_types(conn, rows);
    page.items = std::move(rows);
    return page;
  });
}

std::shared_ptr<const Concert> CatalogService::get(
    std::int64_t id, const std::optional<identity::Principal>& caller) {
  auto lookup = details_.get_or_load(detail_key(id), [&] {
    metrics_.detail_queries->Increment();
    return db::with_connection(pool_, [&](db::Connection& conn) {
      CachedConcert cached;
      cached.concert = repo_.find_with_ticket_types(conn, id);
      if (cached.concert) {
        if (cached.concert->status == ConcertStatus::published) {
          cached.public_json = to_json(*cached.concert).dump();
        }
      }
      return cached;
    });
  });
  const auto& concert = lookup.value->concert;
  if (!concert || !may_see(*concert, caller)) {
    throw core::AppError::not_found(std::string(kNoConcert));
  }
  // Shares ownership with the cached entry.
  return {lookup.value, &*concert};
}

std::shared_ptr<const std::string> CatalogService::cached_list_json(
    const ListFilters& filters, const std::optional<std::string>& cursor, unsigned limit) {
  if (limit < 1 || limit > 100 || !filter_problems(filters).empty()) {
    return nullptr;
  }
  ListQuery query{filters, std::nullopt, limit};
  if (cursor) {
    query.after = decode_cursor(*cursor);
    if (!query.after) {
      return nullptr;
    }
  }
  const auto page = lists_.peek(cache_key(query));
  return page ? std::shared_ptr<const std::string>(page, &page->json) : nullptr;
}

std::shared_ptr<const std::string> CatalogService::cached_public_json(std::int64_t id) {
  const auto cached = details_.peek(detail_key(id));
  if (!cached || cached->public_json.empty()) {
    return nullptr;
  }
  return {cached, &cached->public_json};
}

std::int64_t CatalogService::count_owned(std::int64_t organizer_id) {
  return db::with_connection(
      pool_, [&](db::Connection& conn) { return repo_.count_by_organizer(conn, organizer_id); });
}

}  // namespace tiket::catalog
