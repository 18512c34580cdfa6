#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tiket::auth {

// Addresses and CIDR ranges (IPv4 and IPv6) of reverse proxies whose X-Forwarded-For we trust.
class TrustedProxies {
 public:
  // Comma-separated, e.g. "127.0.0.1, 10.0.0.0/8, ::1, fd00::/8". Empty → trust nobody.
  // Throws std::invalid_argument naming the bad entry.
  static TrustedProxies parse(std::string_view csv);

  bool contains(std::string_view ip) const;
  bool empty() const { return ranges_.empty(); }

 private:
  struct Range {
    int family;  // AF_INET or AF_INET6
    std::array<unsigned char, 16> addr;
    unsigned prefix;
  };
  std::vector<Range> ranges_;
};

// The client address to use for rate limits and audit: the socket peer, unless that peer is a
// trusted proxy, in which case X-Forwarded-For is walked from the right and the first address
// that is not a trusted proxy is taken. Malformed entries stop the walk (the last trusted hop's
// view is used). Never throws.
std::string client_ip(std::string_view socket_ip, std::optional<std::string_view> x_forwarded_for,
                      const TrustedProxies& proxies);

}  // namespace tiket::auth
