#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "core/timestamp.hpp"
#include "http/message.hpp"

namespace tiket::http {

// A path id: a positive decimal int64 without sign, spaces or leading zeros. 400 otherwise.
std::int64_t parse_id(std::string_view text);

// Reads query parameters the way FieldReader reads bodies: every problem is collected, so the
// client gets all of them in one 400 (errors[], field = parameter name), and a parameter not
// in `allowed` is an error too, so that a typo such as ?citty= is not silently ignored.
class QueryReader {
 public:
  QueryReader(const Request& req, std::initializer_list<std::string_view> allowed);
  // It keeps a reference to the request.
  QueryReader(Request&& req, std::initializer_list<std::string_view> allowed) = delete;

  // Trimmed, 1..max_chars code points of valid UTF-8 without control characters.
  std::optional<std::string> string(std::string_view name, std::size_t max_chars);
  // A decimal integer (optional leading '-') within [min, max].
  std::optional<std::int64_t> integer(std::string_view name, std::int64_t min, std::int64_t max);
  // An RFC 3339 date-time (a '+' in the offset must be sent as %2B).
  std::optional<core::Timestamp> timestamp(std::string_view name);
  // ?limit=: absent → `fallback`; otherwise a whole number 1..`max`, else an error.
  unsigned limit(unsigned fallback = 20, unsigned max = 100);

  void add_error(std::string field, std::string message);
  bool ok() const { return errors_.empty(); }
  // Throws AppError 400 with every collected error, if any.
  void finish() const;

 private:
  const Request& req_;
  std::vector<core::FieldError> errors_;
};

}  // namespace tiket::http
