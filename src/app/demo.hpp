#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "catalog/service.hpp"
#include "identity/principal.hpp"

namespace tiket::app {

// The demo catalogue that `tiket-api seed-demo` publishes, read from data/demo-catalog.json
// (DEMO_CATALOG_FILE) so that the demo can change without a rebuild.
struct DemoConcert {
  std::string title;
  std::string artist;
  std::string venue;
  std::string city;
  int days_from_today = 0;
  std::vector<catalog::TicketTypeInput> ticket_types;  // the same input the API takes
};

struct DemoCatalog {
  int start_hour_utc = 12;
  std::vector<DemoConcert> concerts;
};

// Pure: checks every field against the API's own limits (unknown fields, types, lengths,
// ranges, a repeated ticket type name) and throws std::invalid_argument listing every problem
// on one line, as "concerts[2].ticket_types[0].price must be ...".
DemoCatalog parse_demo_catalog(const nlohmann::json& doc);

// Reads and parses the file; std::invalid_argument names the file on any problem.
DemoCatalog load_demo_catalog(const std::filesystem::path& file);

// Creates, fills and publishes each concert through the same service as the API (rules, audit
// rows, min_price), owned by `organizer`, starting at start_hour_utc days_from_today days
// after `today` (midnight UTC).
void seed_demo_concerts(catalog::CatalogService& catalog, const identity::Principal& organizer,
                        const DemoCatalog& demo, std::chrono::sys_days today);

}  // namespace tiket::app
