// DATABASE_URL parsing and percent-decoding. Input: the URL.

#include <stdexcept>

#include "core/database_url.hpp"
#include "core/percent_encoding.hpp"
#include "fuzz_support.hpp"

namespace {
using tiket::fuzz::require;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto url = tiket::fuzz::as_text(data, size);
  try {
    const auto parsed = tiket::core::parse_database_url(url);
    require(!parsed.user.empty() && !parsed.host.empty() && !parsed.database.empty(),
            "parse_database_url accepted an empty part");
    require(parsed.port != 0, "parse_database_url accepted port 0");
    const auto redacted = parsed.redacted();
    require(parsed.password.empty() || redacted.find(":***@") != std::string::npos,
            "redacted() does not mask the password");
  } catch (const std::invalid_argument&) {
    // A startup error; checked for the password below.
  }
  // The reason is logged at startup and redacted() is logged too: neither may ever quote the
  // password. The input's password is swapped for a marker no fixed message contains.
  const auto scheme = url.find("://");
  const auto at = url.rfind('@');
  if (scheme != std::string_view::npos && at != std::string_view::npos && at > scheme) {
    const auto colon = url.substr(scheme + 3, at - scheme - 3).find(':');
    constexpr std::string_view kMarker = "Zq9-secret-Zq9";
    if (colon != std::string_view::npos && url.find(kMarker) == std::string_view::npos) {
      const auto marked = std::string(url.substr(0, scheme + 3 + colon + 1)) +
                          std::string(kMarker) + std::string(url.substr(at));
      try {
        const auto parsed = tiket::core::parse_database_url(marked);
        require(parsed.redacted().find(kMarker) == std::string::npos,
                "redacted() shows the password");
      } catch (const std::invalid_argument& e) {
        require(std::string_view(e.what()).find(kMarker) == std::string_view::npos,
                "the error message quotes the password");
      }
    }
  }
  for (const bool plus_is_space : {false, true}) {
    try {
      const auto decoded = tiket::core::percent_decode(url, plus_is_space);
      require(decoded.size() <= url.size(), "percent_decode grew its input");
    } catch (const std::invalid_argument&) {
      require(url.find('%') != std::string_view::npos, "percent_decode threw without a '%'");
    }
  }
  return 0;
}
