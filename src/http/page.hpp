#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace tiket::http {

// The body of every keyset-paginated list (users, concerts, bookings; `Page` in
// docs/openapi.yaml): {"items": [...], "next_cursor": "..."}, next_cursor null on the last page.
// `items` is already serialised; page_json() below is the usual way in.
nlohmann::json page_body(nlohmann::json items, const std::optional<std::string>& next_cursor);

// A module's page type, with `items` and `next_cursor`; each item is serialised by the
// module's own `to_json(item)`, found by argument-dependent lookup.
template <typename Page>
nlohmann::json page_json(const Page& page) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& item : page.items) {
    items.push_back(to_json(item));
  }
  return page_body(std::move(items), page.next_cursor);
}

}  // namespace tiket::http
