#include "catalog/routes.hpp"

#include "core/errors.hpp"
#include "http/json_fields.hpp"
#include "http/page.hpp"
#include "http/query.hpp"

namespace tiket::catalog {

namespace {
using http::FieldReader;
using http::Method;
using http::QueryReader;
using http::Request;
using http::Response;
using identity::Principal;
using identity::Role;

constexpr std::size_t kMaxQueryText = 100;
constexpr std::int64_t kMaxId = 9'007'199'254'740'991;  // 2^53 - 1: exact in every JSON client

core::Timestamp now() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

// starts_at: an RFC 3339 date-time in the future.
std::optional<core::Timestamp> read_starts_at(FieldReader& in, bool required) {
  const auto raw = in.string("starts_at", required, 1, 64);
  if (!raw) {
    return std::nullopt;
  }
  const auto value = core::parse_rfc3339(*raw);
  if (!value) {
    in.add_error("starts_at", "must be an RFC 3339 date-time such as 2026-12-20T19:00:00+07:00");
    return std::nullopt;
  }
  if (const auto problem = starts_at_problem(*value, now())) {
    in.add_error("starts_at", *problem);
    return std::nullopt;
  }
  return value;
}

// PATCH's status: one of the ConcertStatus names.
std::optional<ConcertStatus> read_status(FieldReader& in) {
  const auto text = in.one_of("status", false,
                              {to_string(ConcertStatus::draft), to_string(ConcertStatus::published),
                               to_string(ConcertStatus::cancelled)});
  return text ? parse_concert_status(*text) : std::nullopt;
}

struct ListRequest {
  ListFilters filters;
  std::optional<std::string> cursor;
  unsigned limit = 20;
};

// GET /api/concerts's query, every problem at once (400).
ListRequest read_list_request(const Request& req) {
  QueryReader in(req, {"city", "q", "from", "to", "min_price", "max_price", "cursor", "limit"});
  ListRequest out;
  out.filters.city = in.string("city", kMaxCity);
  out.filters.q = in.string("q", kMaxQueryText);
  out.filters.from = in.timestamp("from");
  out.filters.to = in.timestamp("to");
  out.filters.min_price = in.integer("min_price", 0, kMaxPrice);
  out.filters.max_price = in.integer("max_price", 0, kMaxPrice);
  if (const auto raw = req.query_param("cursor")) {
    out.cursor = std::string(*raw);
    if (!decode_cursor(*out.cursor)) {
      in.add_error("cursor", "is not valid; use next_cursor as returned");
    }
  }
  out.limit = in.limit();
  for (auto& problem : filter_problems(out.filters)) {
    in.add_error(std::move(problem.field), std::move(problem.message));
  }
  in.finish();
  return out;
}

// A body serialised once, when it was loaded into the cache.
Response json_response(const std::string& json) {
  Response r;
  r.body = json;
  return r;
}

std::string render_page(const ConcertPage& page) {
  return http::page_json(page).dump();
}

std::string concert_location(std::int64_t id) {
  return "/api/concerts/" + std::to_string(id);
}
}  // namespace

void register_routes(http::Router& router, const CatalogRouteDeps& deps) {
  // Public and the same for every caller, so an Authorization header is not read here. A
  // fresh cached page is answered on the reactor thread (FastPath); a miss goes to a worker.
  router.add(
      Method::Get, "/api/concerts",
      [&deps](Request& req) -> std::optional<Response> {
        const auto list = read_list_request(req);
        if (auto json = deps.catalog.cached_list_json(list.filters, list.cursor, list.limit)) {
          return json_response(*json);
        }
        return std::nullopt;
      },
      [&deps](Request& req) {
        const auto list = read_list_request(req);
        return json_response(
            deps.catalog.list(list.filters, list.cursor, list.limit, render_page)->json);
      });

  // Anyone; a bearer token, when sent, must be valid and lets an owner or admin see a draft.
  // Without a token, a fresh cached published concert is answered on the reactor thread.
  router.add(
      Method::Get, "/api/concerts/{id}",
      [&deps](Request& req) -> std::optional<Response> {
        if (req.header("authorization")) {
          return std::nullopt;  // verifying a token is not for the reactor thread
        }
        if (auto json = deps.catalog.cached_public_json(http::parse_id(*req.param("id")))) {
          return json_response(*json);
        }
        return std::nullopt;
      },
      [&deps](Request& req) {
        const auto me = deps.authenticator.authenticate_optional(req);
        const auto id = http::parse_id(*req.param("id"));
        return Response::json(200, to_json(*deps.catalog.get(id, me)));
      });

  router.add(Method::Post, "/api/concerts",
             deps.authenticator.require(
                 {Role::organizer, Role::admin}, [&deps](Request& req, const Principal& me) {
                   const auto body = req.json_body();
                   FieldReader in(body, {"title", "artist", "venue", "city", "starts_at"});
                   const auto title = in.string("title", true, 1, kMaxTitle);
                   const auto artist = in.string("artist", true, 1, kMaxArtist);
                   const auto venue = in.string("venue", true, 1, kMaxVenue);
                   const auto city = in.string("city", true, 1, kMaxCity);
                   const auto starts_at = read_starts_at(in, true);
                   in.finish();
                   const auto concert = deps.catalog.create_concert(
                       {*title, *artist, *venue, *city, *starts_at}, me, req.request_id);
                   auto resp = Response::json(201, to_json(concert));
                   resp.headers.emplace_back("Location", concert_location(concert.id));
                   return resp;
                 }));

  router.add(
      Method::Patch, "/api/concerts/{id}",
      deps.authenticator.require(
          {Role::organizer, Role::admin}, [&deps](Request& req, const Principal& me) {
            const auto id = http::parse_id(*req.param("id"));
            const auto body = req.json_body();
            FieldReader in(body, {"title", "artist", "venue", "city", "starts_at", "status"});
            ConcertPatch patch;
            patch.title = in.string("title", false, 1, kMaxTitle);
            patch.artist = in.string("artist", false, 1, kMaxArtist);
            patch.venue = in.string("venue", false, 1, kMaxVenue);
            patch.city = in.string("city", false, 1, kMaxCity);
            patch.starts_at = read_starts_at(in, false);
            patch.status = read_status(in);
            if (in.ok() && !patch.title && !patch.artist && !patch.venue && !patch.city &&
                !patch.starts_at && !patch.status) {
              in.add_error("body", "names nothing to change");
            }
            in.finish();
            return Response::json(
                200, to_json(deps.catalog.update_concert(id, patch, me, req.request_id)));
          }));

  router.add(Method::Delete, "/api/concerts/{id}",
             deps.authenticator.require({Role::organizer, Role::admin},
                                        [&deps](Request& req, const Principal& me) {
                                          const auto id = http::parse_id(*req.param("id"));
                                          deps.catalog.delete_concert(id, me, req.request_id);
                                          return Response::empty(204);
                                        }));

  router.add(Method::Post, "/api/concerts/{id}/ticket-types",
             deps.authenticator.require(
                 {Role::organizer, Role::admin}, [&deps](Request& req, const Principal& me) {
                   const auto id = http::parse_id(*req.param("id"));
                   const auto body = req.json_body();
                   FieldReader in(body, {"name", "price", "quota", "per_user_limit"});
                   const auto name = in.string("name", true, 1, kMaxTicketTypeName);
                   const auto price = in.integer("price", true, 0, kMaxPrice);
                   const auto quota = in.integer("quota", true, 1, kMaxQuota);
                   const auto per_user_limit = in.integer("per_user_limit", false, 1, kMaxQuota);
                   if (quota) {
                     for (auto& problem : ticket_type_problems({"", 0, *quota, per_user_limit})) {
                       in.add_error(std::move(problem.field), std::move(problem.message));
                     }
                   }
                   in.finish();
                   const auto created = deps.catalog.add_ticket_type(
                       id, {*name, *price, *quota, per_user_limit}, me, req.request_id);
                   return Response::json(201, to_json(created));
                 }));

  // The organizer's own concerts in every status (admins: everyone's, or one organizer's).
  router.add(Method::Get, "/api/organizer/concerts",
             deps.authenticator.require(
                 {Role::organizer, Role::admin}, [&deps](Request& req, const Principal& me) {
                   QueryReader q(req, {"organizer_id", "status", "limit", "cursor"});
                   OwnedFilter filter;
                   filter.limit = q.limit();
                   filter.organizer_id = q.integer("organizer_id", 1, kMaxId);
                   if (const auto status = q.string("status", 32)) {
                     filter.status = parse_concert_status(*status);
                     if (!filter.status) {
                       q.add_error("status", "must be one of: draft, published, cancelled");
                     }
                   }
                   const auto cursor = q.string("cursor", 64);
                   q.finish();
                   return Response::json(
                       200, http::page_json(deps.catalog.list_owned(me, filter, cursor)));
                 }));
}

}  // namespace tiket::catalog
