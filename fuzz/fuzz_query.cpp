// Query strings: percent-decoding (as the server does for every parameter), QueryReader's
// string/integer/timestamp/limit checks and parse_id, and the catalog's list
// query built on them (filters, cursor, cache key), read the way GET /api/concerts reads it.
// Input: a raw query string such as city=Jakarta&from=2026-12-20T12%3A00%3A00Z&limit=5.

#include "catalog/concert.hpp"
#include "catalog/listing.hpp"
#include "core/percent_encoding.hpp"
#include "core/timestamp.hpp"
#include "core/utf8.hpp"
#include "fuzz_support.hpp"
#include "http/query.hpp"

namespace {

using tiket::fuzz::parse_or_client_error;
using tiket::fuzz::require;

// What copy_request does with Pistache's parsed query: each name and value is percent-decoded
// with '+' as a space; one malformed escape is a 400 for the whole request.
tiket::http::Request request_from_query(std::string_view query) {
  tiket::http::Request req;
  req.path = "/api/concerts";
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    const auto eq = pair.find('=');
    const auto name = pair.substr(0, eq);
    const auto value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    try {
      req.query.emplace_back(tiket::core::percent_decode(name, true),
                             tiket::core::percent_decode(value, true));
    } catch (const std::invalid_argument&) {
      throw tiket::core::AppError::bad_request("The query string contains a malformed %-escape.",
                                               {{std::string(name), "malformed %-escape"}});
    }
  }
  return req;
}

void check_timestamp(const std::optional<tiket::core::Timestamp>& t) {
  if (!t) {
    return;
  }
  // Whatever parse_rfc3339 accepts must print and read back as the same instant.
  const auto text = tiket::core::format_rfc3339(*t);
  const auto again = tiket::core::parse_rfc3339(text);
  require(again && *again == *t, "format_rfc3339 does not round-trip a parsed timestamp");
  const auto sql = tiket::core::format_sql_datetime(*t);
  const auto from_sql = tiket::core::parse_sql_datetime(sql);
  require(from_sql && *from_sql == *t, "format_sql_datetime does not round-trip");
}

// GET /api/concerts (catalog/routes.cpp read_list_request), every problem at once.
void read_list_query(const tiket::http::Request& req) {
  using namespace tiket;
  http::QueryReader in(req,
                       {"city", "q", "from", "to", "min_price", "max_price", "cursor", "limit"});
  catalog::ListQuery query;
  query.filters.city = in.string("city", catalog::kMaxCity);
  query.filters.q = in.string("q", 100);
  query.filters.from = in.timestamp("from");
  query.filters.to = in.timestamp("to");
  query.filters.min_price = in.integer("min_price", 0, catalog::kMaxPrice);
  query.filters.max_price = in.integer("max_price", 0, catalog::kMaxPrice);
  if (const auto raw = req.query_param("cursor")) {
    query.after = catalog::decode_cursor(*raw);
    if (!query.after) {
      in.add_error("cursor", "is not valid; use next_cursor as returned");
    }
  }
  query.limit = in.limit();
  for (auto& problem : catalog::filter_problems(query.filters)) {
    in.add_error(std::move(problem.field), std::move(problem.message));
  }
  for (const auto& text : {query.filters.city, query.filters.q}) {
    require(!text || (core::utf8_length(*text) && !text->empty()), "QueryReader::string");
  }
  check_timestamp(query.filters.from);
  check_timestamp(query.filters.to);
  require(query.limit >= 1 && query.limit <= 100, "limit out of range");
  in.finish();
  if (query.filters.q) {
    require(catalog::fulltext_terms(*query.filters.q).has_value(), "q passed without terms");
  }
  (void)catalog::cache_key(query);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tiket;
  const auto input = fuzz::as_text(data, size);
  parse_or_client_error([&] {
    const auto req = request_from_query(input);
    parse_or_client_error([&] { read_list_query(req); });
    parse_or_client_error([&] {
      http::QueryReader in(req, {"n", "id", "limit", "at"});
      const auto limit = in.limit(20, 50);
      require(limit >= 1 && limit <= 50, "QueryReader::limit out of range");
      const auto n = in.integer("n", -1000, 1000);
      require(!n || (*n >= -1000 && *n <= 1000), "QueryReader::integer out of range");
      check_timestamp(in.timestamp("at"));
      if (const auto id = req.query_param("id")) {
        require(http::parse_id(*id) > 0, "parse_id returned an id below 1");
      }
      in.finish();
    });
  });
  return 0;
}
