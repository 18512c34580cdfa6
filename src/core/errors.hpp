#pragma once

#include <exception>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tiket::core {

struct FieldError {
  std::string field;
  std::string message;
};

// A domain error. Thrown anywhere below the routes; turned into problem+json in exactly one
// place (http::Dispatcher). `detail` is shown to the client, so it never carries internals.
class AppError : public std::runtime_error {
 public:
  AppError(int status, std::string type, std::string title, std::string detail,
           std::vector<FieldError> errors = {})
      : std::runtime_error(detail),
        status_(status),
        type_(std::move(type)),
        title_(std::move(title)),
        detail_(std::move(detail)),
        errors_(std::move(errors)) {}

  int status() const { return status_; }
  const std::string& type() const { return type_; }
  const std::string& title() const { return title_; }
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
  static AppError unavailable(std::string detail, int retry_after_seconds);

 private:
  int status_;
  std::string type_;
  std::string title_;
  std::string detail_;
  std::vector<FieldError> errors_;
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
