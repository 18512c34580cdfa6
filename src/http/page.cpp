#include "http/page.hpp"

namespace tiket::http {

nlohmann::json page_body(nlohmann::json items, const std::optional<std::string>& next_cursor) {
  return {{"items", std::move(items)},
          {"next_cursor", next_cursor ? nlohmann::json(*next_cursor) : nlohmann::json(nullptr)}};
}

}  // namespace tiket::http
