#include "support/shop.hpp"

#include <gtest/gtest.h>

#include <ctime>

namespace tiket::test {

std::string rfc3339_in_days(int days) {
  const std::time_t t = std::time(nullptr) + static_cast<std::time_t>(days) * 86400;
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:00:00Z", &utc);
  return buf;
}

nlohmann::json items(std::initializer_list<std::pair<std::int64_t, long long>> list) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [type, quantity] : list) {
    out.push_back({{"ticket_type_id", type}, {"quantity", quantity}});
  }
  return out;
}

Concert create_concert(const Api& api, const std::string& token, const std::vector<TypeSpec>& specs,
                       bool publish) {
  const auto created = api.post("/api/concerts",
                                {{"title", "Konser Test"},
                                 {"artist", "Band Test"},
                                 {"venue", "Istora Senayan"},
                                 {"city", "Jakarta"},
                                 {"starts_at", rfc3339_in_days(30)}},
                                token);
  EXPECT_EQ(created.status, 201) << created.body << created.error;
  Concert c;
  c.id = created.json()["id"].get<std::int64_t>();
  for (const auto& spec : specs) {
    nlohmann::json body = {{"name", spec.name}, {"price", spec.price}, {"quota", spec.quota}};
    if (spec.per_user_limit > 0) {
      body["per_user_limit"] = spec.per_user_limit;
    }
    const auto type =
        api.post("/api/concerts/" + std::to_string(c.id) + "/ticket-types", body, token);
    EXPECT_EQ(type.status, 201) << type.body;
    c.types.push_back(type.json()["id"].get<std::int64_t>());
  }
  if (publish) {
    const auto r =
        api.patch("/api/concerts/" + std::to_string(c.id), {{"status", "published"}}, token);
    EXPECT_EQ(r.status, 200) << r.body;
  }
  return c;
}

HttpResponse book(const Api& api, const std::string& token, std::int64_t concert_id,
                  const nlohmann::json& list, const std::string& key) {
  std::vector<std::string> headers;
  if (!key.empty()) {
    headers.push_back("Idempotency-Key: " + key);
  }
  return api.post("/api/bookings", {{"concert_id", concert_id}, {"items", list}}, token, headers);
}

double metric(const Api& api, const std::string& series) {
  const auto body = api.get("/metrics").body;
  const auto at = body.find("\n" + series + " ");
  if (at == std::string::npos) {
    return 0;
  }
  return std::stod(body.substr(at + series.size() + 2));
}

}  // namespace tiket::test
