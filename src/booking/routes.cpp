#include "booking/routes.hpp"

#include <exception>
#include <map>
#include <set>

#include "core/errors.hpp"
#include "http/json_fields.hpp"
#include "http/page.hpp"
#include "http/query.hpp"

namespace tiket::booking {

namespace {
using http::Method;
using http::Request;
using http::Response;
using identity::Principal;
using identity::Role;

constexpr std::size_t kMaxItems = 10;
constexpr std::int64_t kMaxQuantity = 100;
constexpr std::int64_t kMaxId = 9'007'199'254'740'991;  // 2^53 - 1: exact in every JSON client
// A valid booking body (at most kMaxItems items) is well under this.
constexpr std::size_t kMaxFirstLookBody = 4096;

// The answer to a new booking, saved with its Idempotency-Key and replayed byte for byte.
SavedResponse created_response(const Booking& booking) {
  return {201, to_json(booking).dump()};
}

// `event: status` with {code, status, updated_at}; the last one once the status is final.
http::StreamEvent status_event(const BookingState& state) {
  return {"status", to_json(state).dump(), is_final(state.status)};
}

// The code in a saved answer, for the Location of a replay: the body is created_response's.
std::string booking_code_of(const SavedResponse& saved) {
  return nlohmann::json::parse(saved.body).value("code", "");
}
}  // namespace

std::string read_idempotency_key(const Request& req) {
  const auto key = req.header("idempotency-key");
  if (!key || key->empty()) {
    throw core::AppError::bad_request(
        "The Idempotency-Key header is required: send a fresh random value (a UUID) per "
        "booking, and the same value when you retry it.",
        {{"Idempotency-Key", "is required"}});
  }
  bool printable = key->size() <= 255;
  for (const char c : *key) {
    printable = printable && c > 0x20 && c < 0x7F;
  }
  if (!printable) {
    throw core::AppError::bad_request(
        "The Idempotency-Key header must be 1 to 255 printable ASCII characters.",
        {{"Idempotency-Key", "must be 1-255 printable ASCII characters"}});
  }
  return std::string(*key);
}

BookingRequest read_booking_request(const nlohmann::json& body) {
  http::FieldReader in(body, {"concert_id", "items"});
  BookingRequest out;
  out.concert_id = in.integer("concert_id", true, 1, kMaxId).value_or(0);
  if (!in.has("items")) {
    in.add_error("items", "is required");
  } else if (!body["items"].is_array() || body["items"].empty() ||
             body["items"].size() > kMaxItems) {
    in.add_error("items", "must be an array of 1 to " + std::to_string(kMaxItems) + " items");
  } else {
    std::set<std::int64_t> seen;
    for (std::size_t i = 0; i < body["items"].size(); ++i) {
      const auto& raw = body["items"][i];
      const auto prefix = "items[" + std::to_string(i) + "]";
      if (!raw.is_object()) {
        in.add_error(prefix, "must be an object {ticket_type_id, quantity}");
        continue;
      }
      // A price sent by the client is accepted and ignored: every item is priced from the DB.
      http::FieldReader item(raw, {"ticket_type_id", "quantity", "unit_price", "price"});
      const auto type = item.integer("ticket_type_id", true, 1, kMaxId);
      const auto quantity = item.integer("quantity", true, 1, kMaxQuantity);
      try {
        item.finish();
      } catch (const core::AppError& e) {
        for (const auto& err : e.errors()) {
          in.add_error(prefix + "." + err.field, err.message);
        }
        continue;
      }
      if (!seen.insert(*type).second) {
        in.add_error(prefix + ".ticket_type_id", "appears twice; add the quantities instead");
        continue;
      }
      out.items.push_back({*type, *quantity});
    }
  }
  in.finish();
  return out;
}

void register_routes(http::Router& router, const BookingRouteDeps& deps) {
  // A booking the stock estimate already refuses is answered 409 from the sold-out lane (ADR
  // 0018) without a worker thread; any other request, and any request this first look cannot
  // read (no valid token, not a customer, a bad body), goes to the handler below, which gives
  // every answer.
  router.add_deferred(
      Method::Post, "/api/bookings",
      [&deps](Request& req, http::Later later) {
        if (req.body.size() > kMaxFirstLookBody) {
          return false;  // far beyond any valid booking: not parsed on the reactor thread
        }
        const auto me = deps.authenticator.authenticate(req);
        if (me.role != Role::customer) {
          return false;
        }
        const auto key = read_idempotency_key(req);
        const auto request = read_booking_request(req.json_body());
        return deps.bookings.refuse_if_known_sold_out(
            me.user_id, key, request,
            [later = std::move(later)](const std::exception_ptr& refusal) {
              if (!refusal) {
                later(nullptr);
                return;
              }
              later([refusal]() -> Response { std::rethrow_exception(refusal); });
            });
      },
      deps.authenticator.require({Role::customer}, [&deps](Request& req, const Principal& me) {
        const auto key = read_idempotency_key(req);
        const auto request = read_booking_request(req.json_body());
        const auto result = deps.bookings.create(me.user_id, key, request, created_response);
        Response resp;
        resp.status = result.response.status;
        resp.body = result.response.body;
        const auto code = result.booking ? result.booking->code : booking_code_of(result.response);
        resp.headers.emplace_back("Location", "/api/bookings/" + code);
        if (result.replayed()) {
          resp.headers.emplace_back("Idempotent-Replayed", "true");
        }
        return resp;
      }));

  router.add(Method::Get, "/api/bookings",
             deps.authenticator.require({}, [&deps](Request& req, const Principal& me) {
               http::QueryReader q(req, {"limit", "cursor", "status", "concert_id", "user_id"});
               BookingFilter filter;
               filter.limit = q.limit();
               if (const auto status = q.string("status", 32)) {
                 filter.status = parse_status(*status);
                 if (!filter.status) {
                   q.add_error("status",
                               "must be one of: pending_payment, paid, expired, cancelled");
                 }
               }
               filter.concert_id = q.integer("concert_id", 1, kMaxId);
               filter.user_id = q.integer("user_id", 1, kMaxId);
               const auto cursor = q.string("cursor", 64);
               q.finish();
               return Response::json(200, http::page_json(deps.bookings.list(me, filter, cursor)));
             }));

  router.add(Method::Get, "/api/bookings/{code}",
             deps.authenticator.require({}, [&deps](Request& req, const Principal& me) {
               return Response::json(
                   200, to_json(deps.bookings.get(std::string(*req.param("code")), me)));
             }));

  // Server-Sent Events: the booking's status now, then each change, until a final status
  // (docs/api.md). The framing and the connection are the server's (http/event_stream.hpp).
  router.add_stream(
      "/api/bookings/{code}/events",
      [&deps](Request& req) {
        const auto me = deps.authenticator.authenticate(req);
        const auto state = deps.bookings.state(std::string(*req.param("code")), me);
        return http::StreamOpening{state.code, status_event(state)};
      },
      [&deps](const std::vector<std::string>& codes) {
        std::map<std::string, http::StreamEvent> out;
        for (const auto& state : deps.bookings.states(codes)) {
          out.emplace(state.code, status_event(state));
        }
        return out;
      });

  router.add(Method::Post, "/api/bookings/{code}/cancel",
             deps.authenticator.require({}, [&deps](Request& req, const Principal& me) {
               return Response::json(
                   200, to_json(deps.bookings.cancel(std::string(*req.param("code")), me)));
             }));

  router.add(Method::Get, "/api/bookings/{code}/tickets",
             deps.authenticator.require({}, [&deps](Request& req, const Principal& me) {
               nlohmann::json items = nlohmann::json::array();
               for (const auto& t : deps.bookings.tickets(std::string(*req.param("code")), me)) {
                 items.push_back(to_json(t));
               }
               return Response::json(200, {{"items", items}});
             }));

  // At the door: the concert's organizer (or an admin) admits each ticket exactly once.
  router.add(Method::Post, "/api/tickets/{ticket_code}/check-in",
             deps.authenticator.require(
                 {Role::organizer, Role::admin}, [&deps](Request& req, const Principal& me) {
                   return Response::json(200, to_json(deps.bookings.check_in(
                                                  std::string(*req.param("ticket_code")), me)));
                 }));
}

}  // namespace tiket::booking
