#include "http/query.hpp"

#include <algorithm>
#include <charconv>

#include "core/utf8.hpp"

namespace tiket::http {

namespace {
template <typename T>
std::optional<T> whole_number(std::string_view text) {
  T value{};
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end) {
    return std::nullopt;
  }
  return value;
}

std::string limit_message(unsigned max) {
  return "must be between 1 and " + std::to_string(max);
}
}  // namespace

std::int64_t parse_id(std::string_view text) {
  const auto id = whole_number<std::int64_t>(text);
  if (!id || text.front() == '0' || *id <= 0) {
    throw core::AppError::bad_request("The id must be a positive whole number.",
                                      {{"id", "must be a positive integer"}});
  }
  return *id;
}

QueryReader::QueryReader(const Request& req, std::initializer_list<std::string_view> allowed)
    : req_(req) {
  for (const auto& [name, value] : req_.query) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      errors_.push_back({name, "is not a known query parameter"});
    }
  }
}

std::optional<std::string> QueryReader::string(std::string_view name, std::size_t max_chars) {
  const auto raw = req_.query_param(name);
  if (!raw) {
    return std::nullopt;
  }
  const auto first = raw->find_first_not_of(" \t");
  const auto last = raw->find_last_not_of(" \t");
  const auto text =
      first == std::string_view::npos ? std::string_view{} : raw->substr(first, last - first + 1);
  const auto length = core::utf8_length(text);
  if (!length) {
    add_error(std::string(name), "must be valid UTF-8");
  } else if (std::any_of(text.begin(), text.end(), [](char c) {
               return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
             })) {
    add_error(std::string(name), "must not contain control characters");
  } else if (*length == 0) {
    add_error(std::string(name), "must not be empty");
  } else if (*length > max_chars) {
    add_error(std::string(name), "must be at most " + std::to_string(max_chars) + " characters");
  } else {
    return std::string(text);
  }
  return std::nullopt;
}

std::optional<std::int64_t> QueryReader::integer(std::string_view name, std::int64_t min,
                                                 std::int64_t max) {
  const auto raw = req_.query_param(name);
  if (!raw) {
    return std::nullopt;
  }
  const auto value = whole_number<std::int64_t>(*raw);
  if (!value) {
    add_error(std::string(name), "must be a whole number");
    return std::nullopt;
  }
  if (*value < min || *value > max) {
    add_error(std::string(name),
              "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return value;
}

std::optional<core::Timestamp> QueryReader::timestamp(std::string_view name) {
  const auto raw = req_.query_param(name);
  if (!raw) {
    return std::nullopt;
  }
  auto value = core::parse_rfc3339(*raw);
  if (!value) {
    add_error(std::string(name),
              "must be an RFC 3339 date-time such as 2026-12-20T12:00:00Z (send '+' as %2B)");
  }
  return value;
}

unsigned QueryReader::limit(unsigned fallback, unsigned max) {
  const auto raw = req_.query_param("limit");
  if (!raw) {
    return fallback;
  }
  const auto value = whole_number<unsigned>(*raw);
  if (!value || *value < 1 || *value > max) {
    add_error("limit", limit_message(max));
    return fallback;
  }
  return *value;
}

void QueryReader::add_error(std::string field, std::string message) {
  errors_.push_back({std::move(field), std::move(message)});
}

void QueryReader::finish() const {
  if (!errors_.empty()) {
    throw core::AppError::bad_request("One or more query parameters are invalid; see errors[].",
                                      errors_);
  }
}

}  // namespace tiket::http
