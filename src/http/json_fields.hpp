#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"

namespace tiket::http {

// Reads a JSON object field by field and collects every problem, so that the client gets all
// of them in one 400 (errors[]) instead of one per round trip. Fields not in `allowed` are
// errors too: a typo such as "rol" must not be silently ignored.
class FieldReader {
 public:
  FieldReader(const nlohmann::json& body, std::initializer_list<std::string_view> allowed);

  bool has(std::string_view field) const;

  // A string of `min_chars`..`max_chars` Unicode code points. With `trim`, surrounding ASCII
  // white space is removed first. Control characters are refused.
  std::optional<std::string> string(std::string_view field, bool required, std::size_t min_chars,
                                    std::size_t max_chars, bool trim = true);

  // An integer (not a float, not a string) within [min, max].
  std::optional<std::int64_t> integer(std::string_view field, bool required, std::int64_t min,
                                      std::int64_t max);

  // A string that must be one of `choices`.
  std::optional<std::string> one_of(std::string_view field, bool required,
                                    std::initializer_list<std::string_view> choices);

  void add_error(std::string field, std::string message);
  bool ok() const { return errors_.empty(); }

  // Throws AppError::validation with every collected error, if any.
  void finish() const;

 private:
  const nlohmann::json* find(std::string_view field, bool required);

  const nlohmann::json& body_;
  std::vector<core::FieldError> errors_;
};

// The "email" field: required, normalised with identity::normalize_email; records a field error
// (and returns nullopt) when it is missing or not a plausible address.
std::optional<std::string> read_email(FieldReader& in);

}  // namespace tiket::http
