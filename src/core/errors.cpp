#include "core/errors.hpp"

#include <array>
#include <nlohmann/json.hpp>

namespace tiket::core {

namespace {

using K = ProblemKind;

// The one place where a problem kind gets its type URI, title and status.
constexpr std::array kProblemTypes{
    ProblemType{K::bad_request, "bad-request", "Bad Request", 400},
    ProblemType{K::validation, "validation", "Validation failed", 400},
    ProblemType{K::unauthorized, "unauthorized", "Unauthorized", 401},
    ProblemType{K::forbidden, "forbidden", "Forbidden", 403},
    ProblemType{K::not_found, "not-found", "Not Found", 404},
    ProblemType{K::method_not_allowed, "method-not-allowed", "Method Not Allowed", 405},
    ProblemType{K::conflict, "conflict", "Conflict", 409},
    ProblemType{K::payload_too_large, "payload-too-large", "Payload Too Large", 413},
    ProblemType{K::unsupported_media_type, "unsupported-media-type", "Unsupported Media Type", 415},
    ProblemType{K::unprocessable, "unprocessable", "Unprocessable Content", 422},
    ProblemType{K::too_many_requests, "too-many-requests", "Too Many Requests", 429},
    ProblemType{K::internal, "internal", "Internal Server Error", 500},
    ProblemType{K::unavailable, "unavailable", "Service Unavailable", 503},
    ProblemType{K::sold_out, "sold-out", "Not enough tickets left", 409},
    ProblemType{K::idempotency_key_reused, "idempotency-key-reused", "Idempotency-Key reused", 422},
    ProblemType{K::unknown_ticket_type, "unknown-ticket-type", "Unknown ticket type", 422},
    ProblemType{K::concert_cancelled, "concert-cancelled", "Concert cancelled", 422},
    ProblemType{K::concert_started, "concert-started", "Concert already started", 422},
    ProblemType{K::total_too_large, "total-too-large", "Booking total too large", 422},
    ProblemType{K::per_user_limit, "per-user-limit", "Per-customer limit exceeded", 422},
    ProblemType{K::booking_not_cancellable, "booking-not-cancellable",
                "Booking cannot be cancelled", 409},
    ProblemType{K::booking_not_payable, "booking-not-payable", "Booking cannot be paid", 409},
    ProblemType{K::payment_gateway_error, "payment-gateway-error", "Payment gateway error", 502},
    ProblemType{K::ticket_already_used, "ticket-already-used", "Ticket already used", 409},
};

// problem_type() indexes the table by kind, so every kind must sit at its own index.
constexpr bool in_kind_order() {
  for (std::size_t i = 0; i < kProblemTypes.size(); ++i) {
    if (static_cast<std::size_t>(kProblemTypes[i].kind) != i) {
      return false;
    }
  }
  return true;
}
static_assert(in_kind_order(), "kProblemTypes must list every ProblemKind once, in order");
static_assert(kProblemTypes.size() == kProblemKindCount,
              "every ProblemKind needs its row in kProblemTypes");

}  // namespace

std::span<const ProblemType> problem_types() {
  return kProblemTypes;
}

const ProblemType& problem_type(ProblemKind kind) {
  return kProblemTypes.at(static_cast<std::size_t>(kind));
}

std::string type_uri(ProblemKind kind) {
  std::string out(kProblemTypeBase);
  out += problem_type(kind).slug;
  return out;
}

AppError AppError::bad_request(std::string detail, std::vector<FieldError> errors) {
  return {ProblemKind::bad_request, std::move(detail), std::move(errors)};
}

AppError AppError::validation(std::vector<FieldError> errors) {
  return {ProblemKind::validation, "One or more fields are invalid; see errors[].",
          std::move(errors)};
}

AppError AppError::unauthorized(std::string detail) {
  return {ProblemKind::unauthorized, std::move(detail)};
}

AppError AppError::forbidden(std::string detail) {
  return {ProblemKind::forbidden, std::move(detail)};
}

AppError AppError::not_found(std::string detail) {
  return {ProblemKind::not_found, std::move(detail)};
}

AppError AppError::conflict(std::string detail) {
  return {ProblemKind::conflict, std::move(detail)};
}

AppError AppError::unprocessable(std::string detail) {
  return {ProblemKind::unprocessable, std::move(detail)};
}

AppError AppError::payload_too_large(std::size_t limit) {
  return {ProblemKind::payload_too_large,
          "The request body is larger than the limit of " + std::to_string(limit) + " bytes."};
}

AppError AppError::too_many_requests(std::string detail, int retry_after_seconds) {
  AppError e{ProblemKind::too_many_requests, std::move(detail)};
  e.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  return e;
}

AppError AppError::unavailable(std::string detail, int retry_after_seconds) {
  AppError e{ProblemKind::unavailable, std::move(detail)};
  e.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  return e;
}

Problem problem_from_exception(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const AppError& e) {
    return Problem{e.status(), e.type(), std::string(e.title()), e.detail(), e.errors(),
                   e.headers,  false};
  } catch (...) {
    // Anything else is a bug or an infrastructure failure: the client learns nothing about it.
    const auto& generic = problem_type(ProblemKind::internal);
    return Problem{generic.status,
                   type_uri(ProblemKind::internal),
                   std::string(generic.title),
                   "The server could not complete the request. Quote the request id when "
                   "reporting this.",
                   {},
                   {},
                   true};
  }
}

std::string render_problem(const Problem& problem, std::string_view instance,
                           std::string_view request_id) {
  nlohmann::json body = {
      {"type", problem.type},     {"title", problem.title}, {"status", problem.status},
      {"detail", problem.detail}, {"instance", instance},   {"request_id", request_id},
  };
  if (!problem.errors.empty()) {
    auto& errors = body["errors"] = nlohmann::json::array();
    for (const auto& fe : problem.errors) {
      errors.push_back({{"field", fe.field}, {"message", fe.message}});
    }
  }
  // Replace invalid UTF-8 (for example from a mangled path) instead of throwing.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

}  // namespace tiket::core
