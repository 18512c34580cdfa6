#pragma once

#include <cstddef>
#include <exception>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tiket::core {

struct FieldError {
  std::string field;
  std::string message;
};

// Every kind of problem the API answers with. Each kind has exactly one row in the table in
// errors.cpp (problem_types()): its type URI, title and HTTP status. Code below the routes
// names a kind and never a status code or a URI.
enum class ProblemKind {
  bad_request,
  validation,
  unauthorized,
  forbidden,
  not_found,
  method_not_allowed,
  conflict,
  payload_too_large,
  unsupported_media_type,
  unprocessable,
  too_many_requests,
  internal,
  unavailable,
  // Bookings (ADR 0009).
  sold_out,
  idempotency_key_reused,
  unknown_ticket_type,
  concert_cancelled,
  concert_started,
  total_too_large,
  per_user_limit,
  booking_not_cancellable,
  // Payments and e-tickets (ADR 0013).
  booking_not_payable,
  payment_gateway_error,
  ticket_already_used,  // the last kind: a new one goes after it and into the count below
};
inline constexpr std::size_t kProblemKindCount =
    static_cast<std::size_t>(ProblemKind::ticket_already_used) + 1;

// One row of the table: the type URI is kProblemTypeBase + slug.
struct ProblemType {
  ProblemKind kind;
  std::string_view slug;
  std::string_view title;
  int status;
};

inline constexpr std::string_view kProblemTypeBase = "https://tiket.example/problems/";

// The whole table, in ProblemKind order.
std::span<const ProblemType> problem_types();
const ProblemType& problem_type(ProblemKind kind);
std::string type_uri(ProblemKind kind);

// A domain error. Thrown anywhere below the routes; turned into problem+json in exactly one
// place (http::Dispatcher). `detail` is shown to the client, so it never carries internals.
class AppError : public std::runtime_error {
 public:
  AppError(ProblemKind kind, std::string detail, std::vector<FieldError> errors = {})
      : std::runtime_error(detail),
        kind_(kind),
        detail_(std::move(detail)),
        errors_(std::move(errors)) {}

  ProblemKind kind() const { return kind_; }
  int status() const { return problem_type(kind_).status; }
  std::string type() const { return type_uri(kind_); }
  std::string_view title() const { return problem_type(kind_).title; }
  const std::string& detail() const { return detail_; }
  const std::vector<FieldError>& errors() const { return errors_; }

  // Extra response headers, for example Retry-After on 429 and 503.
  std::vector<std::pair<std::string, std::string>> headers;

  static AppError bad_request(std::string detail, std::vector<FieldError> errors = {});
  static AppError validation(std::vector<FieldError> errors);
  static AppError unauthorized(std::string detail = "Authentication is required.");
  static AppError forbidden(std::string detail = "You do not have permission for this action.");
  static AppError not_found(std::string detail = "The requested resource was not found.");
  static AppError conflict(std::string detail);
  static AppError unprocessable(std::string detail);
  static AppError payload_too_large(std::size_t limit);
  static AppError too_many_requests(std::string detail, int retry_after_seconds);
  static AppError unavailable(std::string detail, int retry_after_seconds);

 private:
  ProblemKind kind_;
  std::string detail_;
  std::vector<FieldError> errors_;
};

// A stored row that breaks a rule the code relies on, such as a status no enum knows. A bug or
// a hand edit, never the client's fault: answered as a generic 500 and logged with this text.
class DataIntegrityError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The parts of an RFC 9457 problem document, before request-specific fields are added.
struct Problem {
  int status = 500;
  std::string type;
  std::string title;
  std::string detail;
  std::vector<FieldError> errors;
  std::vector<std::pair<std::string, std::string>> headers;
  bool internal = false;  // true when an unexpected exception was hidden behind a generic 500
};

// Maps any exception to a Problem. Unknown exceptions become a generic 500 with no detail.
Problem problem_from_exception(const std::exception_ptr& error);

// Serialises a problem+json body. `instance` is the request path, `request_id` ties it to logs.
std::string render_problem(const Problem& problem, std::string_view instance,
                           std::string_view request_id);

// The standard reason phrase for a status code ("Not Found").
std::string_view reason_phrase(int status);

}  // namespace tiket::core
