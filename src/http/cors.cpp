#include "http/cors.hpp"

#include <algorithm>

namespace tiket::http {

CorsPolicy::CorsPolicy(std::vector<std::string> allowed_origins)
    : allowed_(std::move(allowed_origins)) {}

bool CorsPolicy::allows(std::string_view origin) const {
  return std::any_of(allowed_.begin(), allowed_.end(),
                     [origin](const std::string& allowed) { return allowed == origin; });
}

}  // namespace tiket::http
