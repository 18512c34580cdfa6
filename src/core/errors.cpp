#include "core/errors.hpp"

#include <nlohmann/json.hpp>

namespace tiket::core {

namespace {
constexpr std::string_view kTypeBase = "https://tiket.example/problems/";

std::string type_uri(std::string_view slug) {
  std::string out(kTypeBase);
  out += slug;
  return out;
}
}  // namespace

AppError AppError::bad_request(std::string detail, std::vector<FieldError> errors) {
  return {400, type_uri("bad-request"), "Bad Request", std::move(detail), std::move(errors)};
}

AppError AppError::validation(std::vector<FieldError> errors) {
  return {400, type_uri("validation"), "Validation failed",
          "One or more fields are invalid; see errors[].", std::move(errors)};
}

AppError AppError::unauthorized(std::string detail) {
  return {401, type_uri("unauthorized"), "Unauthorized", std::move(detail)};
}

AppError AppError::forbidden(std::string detail) {
  return {403, type_uri("forbidden"), "Forbidden", std::move(detail)};
}

AppError AppError::not_found(std::string detail) {
  return {404, type_uri("not-found"), "Not Found", std::move(detail)};
}

AppError AppError::conflict(std::string detail) {
  return {409, type_uri("conflict"), "Conflict", std::move(detail)};
}

AppError AppError::unprocessable(std::string detail) {
  return {422, type_uri("unprocessable"), "Unprocessable Content", std::move(detail)};
}

AppError AppError::payload_too_large(std::size_t limit) {
  return {413, type_uri("payload-too-large"), "Payload Too Large",
          "The request body is larger than the limit of " + std::to_string(limit) + " bytes."};
}

AppError AppError::unavailable(std::string detail, int retry_after_seconds) {
  AppError e{503, type_uri("unavailable"), "Service Unavailable", std::move(detail)};
  e.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  return e;
}

Problem problem_from_exception(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const AppError& e) {
    return Problem{e.status(), e.type(), e.title(), e.detail(), e.errors(), e.headers, false};
  } catch (...) {
    // Anything else is a bug or an infrastructure failure: the client learns nothing about it.
    return Problem{500,
                   type_uri("internal"),
                   "Internal Server Error",
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
