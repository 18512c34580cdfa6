#include "catalog/listing.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <nlohmann/json.hpp>

#include "core/cursor.hpp"
#include "core/utf8.hpp"

namespace tiket::catalog {

namespace {

// INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD, identical in MySQL 8 and MariaDB 10.11.
// ("and" is not one of them.)
constexpr std::array<std::string_view, 35> kStopWords = {
    "a",    "about", "an",  "are", "as",   "at",   "be",    "by",  "com",  "de",   "en",   "for",
    "from", "how",   "i",   "in",  "is",   "it",   "la",    "of",  "on",   "or",   "that", "the",
    "this", "to",    "und", "was", "what", "when", "where", "who", "will", "with", "www"};

constexpr std::size_t kMinWordChars = 3;
constexpr std::size_t kMaxWords = 8;

bool is_word_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_';
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

nlohmann::json micros(const std::optional<core::Timestamp>& t) {
  return t ? nlohmann::json(t->time_since_epoch().count()) : nlohmann::json(nullptr);
}

nlohmann::json optional_int(const std::optional<std::int64_t>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

std::vector<core::FieldError> filter_problems(const ListFilters& filters) {
  std::vector<core::FieldError> out;
  if (filters.min_price && filters.max_price && *filters.min_price > *filters.max_price) {
    out.push_back({"min_price", "must not be greater than max_price"});
  }
  if (filters.from && filters.to && *filters.from > *filters.to) {
    out.push_back({"from", "must not be later than to"});
  }
  if (filters.q && !fulltext_terms(*filters.q)) {
    out.push_back({"q",
                   "needs at least one word of 3 or more letters or digits that is not a common "
                   "word such as 'the' or 'with'"});
  }
  return out;
}

std::string encode_cursor(const Keyset& keyset) {
  return core::base64url_encode("k" + std::to_string(keyset.starts_at.time_since_epoch().count()) +
                                "." + std::to_string(keyset.id));
}

std::optional<Keyset> decode_cursor(std::string_view cursor) {
  if (cursor.empty() || cursor.size() > 96) {
    return std::nullopt;
  }
  const auto decoded = core::base64url_decode(cursor);
  if (!decoded || decoded->size() < 4 || (*decoded)[0] != 'k') {
    return std::nullopt;
  }
  const std::string& raw = *decoded;
  const auto dot = raw.find('.');
  if (dot == std::string::npos) {
    return std::nullopt;
  }
  std::int64_t when = 0;
  std::int64_t id = 0;
  const char* const ts_begin = raw.data() + 1;
  const char* const ts_end = raw.data() + dot;
  const char* const id_begin = raw.data() + dot + 1;
  const char* const id_end = raw.data() + raw.size();
  const auto [p1, e1] = std::from_chars(ts_begin, ts_end, when);
  const auto [p2, e2] = std::from_chars(id_begin, id_end, id);
  // 9999-12-31T23:59:59.999999Z, the last instant parse_rfc3339 accepts: later times do not
  // survive the trip into a DATETIME(6) literal.
  constexpr std::int64_t kLatestMicros = 253'402'300'799'999'999;
  if (e1 != std::errc{} || p1 != ts_end || e2 != std::errc{} || p2 != id_end || id <= 0 ||
      when < 0 || when > kLatestMicros) {
    return std::nullopt;
  }
  Keyset keyset{core::Timestamp(std::chrono::microseconds(when)), id};
  // Only encode_cursor's own spelling (no sign, no leading zeros): one cursor per position.
  if (encode_cursor(keyset) != cursor) {
    return std::nullopt;
  }
  return keyset;
}

std::optional<std::string> fulltext_terms(std::string_view q) {
  std::string out;
  std::size_t words = 0;
  std::size_t i = 0;
  while (i < q.size() && words < kMaxWords) {
    while (i < q.size() && !is_word_byte(q[i])) {
      ++i;
    }
    const std::size_t start = i;
    while (i < q.size() && is_word_byte(q[i])) {
      ++i;
    }
    if (start == i) {
      break;
    }
    const auto word = ascii_lower(q.substr(start, i - start));
    const auto chars = core::utf8_length(word);
    if (!chars || *chars < kMinWordChars ||
        std::find(kStopWords.begin(), kStopWords.end(), word) != kStopWords.end()) {
      continue;
    }
    out += out.empty() ? "+" : " +";
    out += word;
    out += '*';
    ++words;
  }
  if (out.empty()) {
    return std::nullopt;
  }
  return out;
}

std::string cache_key(const ListQuery& query) {
  const auto& f = query.filters;
  nlohmann::json key = nlohmann::json::array(
      {"list", f.city ? nlohmann::json(ascii_lower(*f.city)) : nlohmann::json(nullptr),
       f.q ? nlohmann::json(fulltext_terms(*f.q).value_or("")) : nlohmann::json(nullptr),
       micros(f.from), micros(f.to), optional_int(f.min_price), optional_int(f.max_price),
       query.after ? micros(query.after->starts_at) : nlohmann::json(nullptr),
       query.after ? nlohmann::json(query.after->id) : nlohmann::json(nullptr), query.limit});
  return key.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace tiket::catalog
