#include "reporting/routes.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <string>
#include <vector>

#include "reporting/csv.hpp"

namespace tiket::reporting {

namespace {
using http::Method;
using http::Request;
using http::Response;
using identity::Principal;
using identity::Role;
using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = s.find_last_not_of(" \t");
  return std::string(s.substr(first, last - first + 1));
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The q-value of one media range's parameters ("q=0.5"); 1 when absent, 0 when malformed.
double quality(std::string_view params) {
  double q = 1.0;
  std::size_t pos = 0;
  while (pos < params.size()) {
    const auto end = std::min(params.find(';', pos), params.size());
    const auto param = trim(params.substr(pos, end - pos));
    if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
      const std::string value = param.substr(2);
      q = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), q);
      if (ec != std::errc{} || ptr != value.data() + value.size() || q < 0 || q > 1) {
        q = 0;
      }
    }
    pos = end + 1;
  }
  return q;
}

std::optional<year_month_day> day_param(http::QueryReader& in, const Request& req,
                                        std::string_view name) {
  const auto raw = req.query_param(name);
  if (!raw) {
    return std::nullopt;
  }
  const auto day = parse_day(*raw);
  if (!day) {
    in.add_error(std::string(name), "must be a date YYYY-MM-DD");
  }
  return day;
}

// The body as JSON, or its items as CSV when the client asks for it.
Response answer(const Request& req, const nlohmann::json& body,
                const std::vector<std::string>& columns, const std::string& filename) {
  if (!wants_csv(req.header("accept"))) {
    return Response::json(200, body);
  }
  auto resp = Response::text(200, to_csv(columns, body["items"]), "text/csv; charset=utf-8");
  resp.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + filename + "\"");
  return resp;
}

std::string file_name(std::string_view report, const DayRange& range) {
  return std::string(report) + "_" + format_day(range.from) + "_" + format_day(range.to) + ".csv";
}

nlohmann::json range_json(const DayRange& range) {
  return {{"from", format_day(range.from)}, {"to", format_day(range.to)}};
}

// from/to plus limit: the shape of three of the five reports.
struct RangeAndLimit {
  DayRange range;
  unsigned limit = 0;
};

RangeAndLimit read_range_and_limit(const Request& req, unsigned fallback, unsigned max) {
  http::QueryReader in(req, {"from", "to", "limit"});
  const auto range = read_range(in, req, ReportingService::today());
  const auto limit = in.limit(fallback, max);
  in.finish();
  return {range, limit};
}
}  // namespace

DayRange read_range(http::QueryReader& in, const Request& req, year_month_day today) {
  const auto from = day_param(in, req, "from");
  const auto to = day_param(in, req, "to");
  const bool from_given = req.query_param("from").has_value();
  const bool to_given = req.query_param("to").has_value();
  if ((from_given && !from) || (to_given && !to)) {
    return {today, today};  // the errors are in `in`
  }
  DayRange range;
  if (from && to) {
    range = {*from, *to};
  } else if (from) {
    range = {*from, std::min(today, year_month_day(sys_days(*from) + days(29)))};
    if (sys_days(range.to) < sys_days(range.from)) {
      range.to = range.from;  // a range in the future: one (empty) day
    }
  } else if (to) {
    range = {year_month_day(sys_days(*to) - days(29)), *to};
  } else {
    range = last_days(today, 30);
  }
  if (sys_days(range.to) < sys_days(range.from)) {
    in.add_error("to", "must not be before from");
  } else if (days_in(range) > kMaxRangeDays) {
    in.add_error("to", "must be at most " + std::to_string(kMaxRangeDays) + " days after from");
  }
  return range;
}

bool wants_csv(std::optional<std::string_view> accept) {
  if (!accept) {
    return false;
  }
  // The q of the most specific range that matches each type (RFC 9110, 12.5.1).
  double csv = -1;
  double json = -1;
  int csv_rank = -1;
  int json_rank = -1;
  std::size_t pos = 0;
  const std::string_view text = *accept;
  while (pos <= text.size()) {
    const auto end = std::min(text.find(',', pos), text.size());
    const auto item = text.substr(pos, end - pos);
    const auto semi = std::min(item.find(';'), item.size());
    const auto type = lower(trim(item.substr(0, semi)));
    const double q = quality(semi < item.size() ? item.substr(semi + 1) : std::string_view{});
    const auto match = [&](std::string_view exact, std::string_view family, double& best,
                           int& rank) {
      const int r = type == exact ? 2 : type == family ? 1 : type == "*/*" ? 0 : -1;
      if (r > rank) {
        rank = r;
        best = q;
      }
    };
    match("text/csv", "text/*", csv, csv_rank);
    match("application/json", "application/*", json, json_rank);
    pos = end + 1;
  }
  return csv > 0 && csv > std::max(json, 0.0);
}

void register_routes(http::Router& router, const ReportRouteDeps& deps) {
  router.add(Method::Get, "/api/reports/top-customers",
             deps.authenticator.require({Role::admin}, [&deps](Request& req, const Principal&) {
               const auto [range, limit] = read_range_and_limit(req, 10, 100);
               nlohmann::json items = nlohmann::json::array();
               int rank = 0;
               for (const auto& c : deps.reports.top_customers(range, limit)) {
                 items.push_back({{"rank", ++rank},
                                  {"user_id", c.user_id},
                                  {"email", c.email},
                                  {"name", c.name},
                                  {"bookings", c.bookings},
                                  {"tickets", c.tickets},
                                  {"amount", c.amount}});
               }
               auto body = range_json(range);
               body["items"] = std::move(items);
               return answer(req, body,
                             {"rank", "user_id", "email", "name", "bookings", "tickets", "amount"},
                             file_name("top-customers", range));
             }));

  router.add(Method::Get, "/api/reports/sales-by-city",
             deps.authenticator.require({Role::admin}, [&deps](Request& req, const Principal&) {
               const auto [range, limit] = read_range_and_limit(req, 20, 100);
               nlohmann::json items = nlohmann::json::array();
               for (const auto& c : deps.reports.sales_by_city(range, limit)) {
                 items.push_back({{"city", c.city},
                                  {"bookings", c.bookings},
                                  {"tickets", c.tickets},
                                  {"revenue", c.revenue}});
               }
               auto body = range_json(range);
               body["items"] = std::move(items);
               return answer(req, body, {"city", "bookings", "tickets", "revenue"},
                             file_name("sales-by-city", range));
             }));

  router.add(Method::Get, "/api/reports/stock",
             deps.authenticator.require(
                 {Role::admin, Role::organizer}, [&deps](Request& req, const Principal& me) {
                   http::QueryReader in(req, {"concert_id", "organizer_id", "limit"});
                   StockFilter filter;
                   filter.concert_id =
                       in.integer("concert_id", 1, std::numeric_limits<std::int64_t>::max());
                   filter.organizer_id =
                       in.integer("organizer_id", 1, std::numeric_limits<std::int64_t>::max());
                   const auto limit = in.limit(100, 1000);
                   in.finish();
                   nlohmann::json items = nlohmann::json::array();
                   for (const auto& s : deps.reports.stock(me, filter, limit)) {
                     items.push_back({{"concert_id", s.concert_id},
                                      {"concert_title", s.concert_title},
                                      {"organizer_id", s.organizer_id},
                                      {"ticket_type_id", s.ticket_type_id},
                                      {"ticket_type", s.ticket_type},
                                      {"quota", s.quota},
                                      {"sold", s.sold},
                                      {"held", s.held},
                                      {"available", s.available}});
                   }
                   return answer(req, {{"items", items}},
                                 {"concert_id", "concert_title", "organizer_id", "ticket_type_id",
                                  "ticket_type", "quota", "sold", "held", "available"},
                                 "stock.csv");
                 }));

  router.add(
      Method::Get, "/api/reports/requests-per-hour",
      deps.authenticator.require({Role::admin}, [&deps](Request& req, const Principal&) {
        const auto [range, limit] = read_range_and_limit(req, 200, 1000);
        nlohmann::json items = nlohmann::json::array();
        for (const auto& h : deps.reports.requests_per_hour(range, limit)) {
          items.push_back(
              {{"hour_start", h.hour_start},
               {"user_id", h.user_id == 0 ? nlohmann::json(nullptr) : nlohmann::json(h.user_id)},
               {"email", h.email ? nlohmann::json(*h.email) : nlohmann::json(nullptr)},
               {"requests", h.requests}});
        }
        auto body = range_json(range);
        body["items"] = std::move(items);
        return answer(req, body, {"hour_start", "user_id", "email", "requests"},
                      file_name("requests-per-hour", range));
      }));

  router.add(Method::Get, "/api/reports/monthly-sales",
             deps.authenticator.require({Role::admin}, [&deps](Request& req, const Principal&) {
               http::QueryReader in(req, {"from", "to"});
               const auto range = read_range(in, req, ReportingService::today());
               in.finish();
               const auto report = deps.reports.monthly_sales(range);
               nlohmann::json items = nlohmann::json::array();
               for (const auto& m : report.months) {
                 items.push_back({{"month", m.month},
                                  {"bookings", m.bookings},
                                  {"tickets", m.tickets},
                                  {"revenue", m.revenue}});
               }
               auto body = range_json(range);
               body["items"] = std::move(items);
               body["tickets"] = report.tickets;
               body["average_tickets_per_month"] = report.average_tickets_per_month;
               body["rolled_up_to"] = report.rolled_up_to ? nlohmann::json(*report.rolled_up_to)
                                                          : nlohmann::json(nullptr);
               return answer(req, body, {"month", "bookings", "tickets", "revenue"},
                             file_name("monthly-sales", range));
             }));
}

}  // namespace tiket::reporting
