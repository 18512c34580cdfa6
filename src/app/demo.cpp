#include "app/demo.hpp"

#include <fstream>
#include <set>
#include <stdexcept>

#include "catalog/concert.hpp"
#include "core/errors.hpp"
#include "core/logging.hpp"
#include "http/json_fields.hpp"

namespace tiket::app {

namespace {

constexpr std::int64_t kMaxDaysAhead = 3650;
constexpr std::size_t kMaxConcerts = 1000;
constexpr std::size_t kMaxTicketTypes = 20;

// Runs `read` on a nested FieldReader and files its errors under `prefix` in `out`.
template <typename Read>
void read_nested(const nlohmann::json& doc, std::initializer_list<std::string_view> allowed,
                 const std::string& prefix, http::FieldReader& out, Read read) {
  if (!doc.is_object()) {
    out.add_error(prefix, "must be an object");
    return;
  }
  http::FieldReader in(doc, allowed);
  read(in);
  try {
    in.finish();
  } catch (const core::AppError& e) {
    for (const auto& err : e.errors()) {
      out.add_error(prefix + "." + err.field, err.message);
    }
  }
}

// A JSON array of 1..max items, else an error under `field`.
const nlohmann::json* array_field(const nlohmann::json& doc, const std::string& field,
                                  std::size_t max, http::FieldReader& out) {
  const auto it = doc.find(field);
  if (it == doc.end() || !it->is_array() || it->empty() || it->size() > max) {
    out.add_error(field, "must be an array of 1 to " + std::to_string(max) + " items");
    return nullptr;
  }
  return &*it;
}

catalog::TicketTypeInput read_ticket_type(const nlohmann::json& doc, const std::string& prefix,
                                          http::FieldReader& out) {
  catalog::TicketTypeInput type;
  read_nested(doc, {"name", "price", "quota", "per_user_limit"}, prefix, out,
              [&](http::FieldReader& in) {
                type.name = in.string("name", true, 1, catalog::kMaxTicketTypeName).value_or("");
                type.price = in.integer("price", true, 0, catalog::kMaxPrice).value_or(0);
                type.quota = in.integer("quota", true, 1, catalog::kMaxQuota).value_or(0);
                type.per_user_limit = in.integer("per_user_limit", false, 1, catalog::kMaxQuota);
                if (type.per_user_limit && type.quota > 0 && *type.per_user_limit > type.quota) {
                  in.add_error("per_user_limit", "must not exceed quota");
                }
              });
  return type;
}

DemoConcert read_concert(const nlohmann::json& doc, const std::string& prefix,
                         http::FieldReader& out) {
  DemoConcert concert;
  read_nested(doc, {"title", "artist", "venue", "city", "days_from_today", "ticket_types"}, prefix,
              out, [&](http::FieldReader& in) {
                concert.title = in.string("title", true, 1, catalog::kMaxTitle).value_or("");
                concert.artist = in.string("artist", true, 1, catalog::kMaxArtist).value_or("");
                concert.venue = in.string("venue", true, 1, catalog::kMaxVenue).value_or("");
                concert.city = in.string("city", true, 1, catalog::kMaxCity).value_or("");
                // At least a day ahead: a concert must start in the future to be published.
                concert.days_from_today = static_cast<int>(
                    in.integer("days_from_today", true, 1, kMaxDaysAhead).value_or(0));
                const auto* types = array_field(doc, "ticket_types", kMaxTicketTypes, in);
                if (types == nullptr) {
                  return;
                }
                std::set<std::string> names;
                for (std::size_t i = 0; i < types->size(); ++i) {
                  const auto field = "ticket_types[" + std::to_string(i) + "]";
                  auto type = read_ticket_type((*types)[i], field, in);
                  if (!type.name.empty() && !names.insert(type.name).second) {
                    in.add_error(field + ".name", "appears twice in this concert");
                  }
                  concert.ticket_types.push_back(std::move(type));
                }
              });
  return concert;
}

}  // namespace

DemoCatalog parse_demo_catalog(const nlohmann::json& doc) {
  if (!doc.is_object()) {
    throw std::invalid_argument("must be a JSON object {start_hour_utc, concerts}");
  }
  http::FieldReader in(doc, {"about", "start_hour_utc", "concerts"});
  DemoCatalog demo;
  in.string("about", false, 1, 1000);
  demo.start_hour_utc = static_cast<int>(in.integer("start_hour_utc", true, 0, 23).value_or(0));
  if (const auto* concerts = array_field(doc, "concerts", kMaxConcerts, in)) {
    for (std::size_t i = 0; i < concerts->size(); ++i) {
      demo.concerts.push_back(
          read_concert((*concerts)[i], "concerts[" + std::to_string(i) + "]", in));
    }
  }
  try {
    in.finish();
  } catch (const core::AppError& e) {
    std::string problems;
    for (const auto& err : e.errors()) {
      problems += (problems.empty() ? "" : "; ") + err.field + " " + err.message;
    }
    throw std::invalid_argument(problems);
  }
  return demo;
}

DemoCatalog load_demo_catalog(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) {
    throw std::invalid_argument("demo catalogue " + file.string() +
                                ": cannot be read (set DEMO_CATALOG_FILE)");
  }
  try {
    return parse_demo_catalog(nlohmann::json::parse(in));
  } catch (const nlohmann::json::parse_error& e) {
    throw std::invalid_argument("demo catalogue " + file.string() + ": not valid JSON (" +
                                e.what() + ")");
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("demo catalogue " + file.string() + ": " + e.what());
  }
}

void seed_demo_concerts(catalog::CatalogService& catalog, const identity::Principal& organizer,
                        const DemoCatalog& demo, std::chrono::sys_days today) {
  for (const auto& concert_data : demo.concerts) {
    const core::Timestamp starts_at{today + std::chrono::days(concert_data.days_from_today) +
                                    std::chrono::hours(demo.start_hour_utc)};
    const auto concert = catalog.create_concert(
        {concert_data.title, concert_data.artist, concert_data.venue, concert_data.city, starts_at},
        organizer, "cli");
    for (const auto& type : concert_data.ticket_types) {
      catalog.add_ticket_type(concert.id, {type.name, type.price, type.quota, type.per_user_limit},
                              organizer, "cli");
    }
    catalog::ConcertPatch publish;
    publish.status = catalog::ConcertStatus::published;
    catalog.update_concert(concert.id, publish, organizer, "cli");
    core::log::info(
        "demo concert created",
        {{"id", concert.id}, {"title", concert_data.title}, {"city", concert_data.city}});
  }
}

}  // namespace tiket::app
