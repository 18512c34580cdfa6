#include "http/json_fields.hpp"

#include <algorithm>

#include "core/utf8.hpp"
#include "identity/email.hpp"

namespace tiket::http {

FieldReader::FieldReader(const nlohmann::json& body,
                         std::initializer_list<std::string_view> allowed)
    : body_(body) {
  if (!body_.is_object()) {
    errors_.push_back({"body", "must be a JSON object"});
    return;
  }
  for (const auto& [key, value] : body_.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      errors_.push_back({key, "is not a known field"});
    }
  }
}

bool FieldReader::has(std::string_view field) const {
  return body_.is_object() && body_.contains(field);
}

const nlohmann::json* FieldReader::find(std::string_view field, bool required) {
  if (!body_.is_object()) {
    return nullptr;
  }
  const auto it = body_.find(field);
  if (it == body_.end() || it->is_null()) {
    if (required) {
      errors_.push_back({std::string(field), "is required"});
    }
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> FieldReader::string(std::string_view field, bool required,
                                               std::size_t min_chars, std::size_t max_chars,
                                               bool trim) {
  const auto* value = find(field, required);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (!value->is_string()) {
    errors_.push_back({std::string(field), "must be a string"});
    return std::nullopt;
  }
  std::string text = value->get<std::string>();
  if (trim) {
    const auto first = text.find_first_not_of(" \t\r\n");
    const auto last = text.find_last_not_of(" \t\r\n");
    text = first == std::string::npos ? "" : text.substr(first, last - first + 1);
  }
  const auto length = core::utf8_length(text);
  if (!length) {
    errors_.push_back({std::string(field), "must be valid UTF-8"});
    return std::nullopt;
  }
  if (std::any_of(text.begin(), text.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; })) {
    errors_.push_back({std::string(field), "must not contain control characters"});
    return std::nullopt;
  }
  if (*length < min_chars) {
    errors_.push_back({std::string(field),
                       min_chars == 1
                           ? "must not be empty"
                           : "must be at least " + std::to_string(min_chars) + " characters"});
    return std::nullopt;
  }
  if (*length > max_chars) {
    errors_.push_back(
        {std::string(field), "must be at most " + std::to_string(max_chars) + " characters"});
    return std::nullopt;
  }
  return text;
}

std::optional<std::int64_t> FieldReader::integer(std::string_view field, bool required,
                                                 std::int64_t min, std::int64_t max) {
  const auto* value = find(field, required);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (!value->is_number_integer()) {
    errors_.push_back({std::string(field), "must be an integer"});
    return std::nullopt;
  }
  // Unsigned values above INT64_MAX are refused rather than wrapped.
  if (value->is_number_unsigned() &&
      value->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    errors_.push_back({std::string(field), "is out of range"});
    return std::nullopt;
  }
  const auto n = value->get<std::int64_t>();
  if (n < min || n > max) {
    errors_.push_back({std::string(field),
                       "must be between " + std::to_string(min) + " and " + std::to_string(max)});
    return std::nullopt;
  }
  return n;
}

std::optional<std::string> FieldReader::one_of(std::string_view field, bool required,
                                               std::initializer_list<std::string_view> choices) {
  const auto* value = find(field, required);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (value->is_string()) {
    const auto text = value->get<std::string>();
    if (std::find(choices.begin(), choices.end(), text) != choices.end()) {
      return text;
    }
  }
  std::string list;
  for (const auto choice : choices) {
    list += list.empty() ? "" : ", ";
    list += choice;
  }
  errors_.push_back({std::string(field), "must be one of: " + list});
  return std::nullopt;
}

void FieldReader::add_error(std::string field, std::string message) {
  errors_.push_back({std::move(field), std::move(message)});
}

void FieldReader::finish() const {
  if (!errors_.empty()) {
    throw core::AppError::validation(errors_);
  }
}

std::optional<std::string> read_email(FieldReader& in) {
  const auto raw = in.string("email", true, 3, 254);
  if (!raw) {
    return std::nullopt;
  }
  auto email = identity::normalize_email(*raw);
  if (!email) {
    in.add_error("email", "must be a valid email address");
  }
  return email;
}

}  // namespace tiket::http
