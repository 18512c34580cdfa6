#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "core/timestamp.hpp"

namespace tiket::catalog {

// GET /api/concerts filters. Every one narrows the public list (published concerts only).
struct ListFilters {
  std::optional<std::string> city;        // exact, case-insensitive (the column's collation)
  std::optional<std::string> q;           // words looked up in title and artist
  std::optional<core::Timestamp> from;    // starts_at >= from
  std::optional<core::Timestamp> to;      // starts_at <= to
  std::optional<std::int64_t> min_price;  // the concert's cheapest ticket >= min_price
  std::optional<std::int64_t> max_price;  // the concert's cheapest ticket <= max_price
};

// The position after the last row of a page: the sort key (starts_at, id).
struct Keyset {
  core::Timestamp starts_at{};
  std::int64_t id = 0;
};

struct ListQuery {
  ListFilters filters;
  std::optional<Keyset> after;
  unsigned limit = 20;
};

// The rules across filters: min_price <= max_price, from <= to, q has a searchable word.
// Empty when the filters are fine; field names are the query parameter names.
std::vector<core::FieldError> filter_problems(const ListFilters& filters);

// Opaque to clients: base64url of the keyset. decode returns nullopt for anything malformed.
std::string encode_cursor(const Keyset& keyset);
std::optional<Keyset> decode_cursor(std::string_view cursor);

// Turns what a user typed into an InnoDB BOOLEAN MODE expression in which every word is
// required and matched as a prefix: "Java  jazz!" → "+java* +jazz*". Only letters, digits,
// '_' and non-ASCII characters make up words; everything else, including every boolean
// operator (+ - < > ( ) ~ * " @), only separates words, so input cannot inject syntax.
// Words InnoDB does not index are dropped, because a required term InnoDB cannot find makes
// the whole search return nothing: words under 3 characters (innodb_ft_min_token_size) and
// the default InnoDB stop words (the, with, ...). At most 8 words are used.
// nullopt when no searchable word is left.
std::optional<std::string> fulltext_terms(std::string_view q);

// The cache key of a list request, built from the parsed query so that spelling differences
// (parameter order, "Jakarta" vs "jakarta", "+07:00" vs "Z") share one entry.
std::string cache_key(const ListQuery& query);

}  // namespace tiket::catalog
