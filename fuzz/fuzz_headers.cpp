// Request headers we interpret ourselves: X-Forwarded-For with TRUSTED_PROXIES (the client
// address for rate limits and audit), and Idempotency-Key (POST /api/bookings).
// Input: four lines, "<TRUSTED_PROXIES>\n<socket peer>\n<X-Forwarded-For>\n<Idempotency-Key>";
// an X-Forwarded-For line that is exactly "-" means the header is absent.

#include <stdexcept>

#include "auth/client_ip.hpp"
#include "booking/routes.hpp"
#include "fuzz_support.hpp"

namespace {

using tiket::fuzz::require;

void forwarded_for(std::string_view csv, std::string_view peer, std::string_view header) {
  tiket::auth::TrustedProxies proxies;
  try {
    proxies = tiket::auth::TrustedProxies::parse(csv);
  } catch (const std::invalid_argument&) {
    return;  // a startup error: the service refuses to start
  }
  const std::optional<std::string_view> xff =
      header == "-" ? std::nullopt : std::optional<std::string_view>(header);
  const auto ip = tiket::auth::client_ip(peer, xff, proxies);
  if (!xff || !proxies.contains(peer)) {
    require(ip == peer, "an untrusted peer's X-Forwarded-For was used");
    return;
  }
  // Otherwise the answer is the peer or one of the listed hops, never anything else.
  require(ip == peer || header.find(ip) != std::string_view::npos, "client_ip invented an address");
  require(ip == peer || !ip.empty(), "client_ip returned an empty hop");
  require(ip == peer || ip.find(',') == std::string::npos, "client_ip returned several hops");
}

void idempotency_key(std::string_view value) {
  tiket::http::Request req;
  req.headers = {{"idempotency-key", std::string(value)}};
  tiket::fuzz::parse_or_client_error([&] {
    const auto key = tiket::booking::read_idempotency_key(req);
    require(key == value, "the key was changed");
    require(!key.empty() && key.size() <= 255, "key length");
    for (const char c : key) {
      require(c > 0x20 && c < 0x7F, "key with a non-printable byte");
    }
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto lines = tiket::fuzz::split(tiket::fuzz::as_text(data, size), '\n', 4);
  forwarded_for(lines[0], lines[1], lines[2]);
  idempotency_key(lines[3]);
  return 0;
}
