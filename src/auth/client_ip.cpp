#include "auth/client_ip.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <stdexcept>

namespace tiket::auth {

namespace {

struct Address {
  int family = AF_UNSPEC;
  std::array<unsigned char, 16> bytes{};  // the first 4 for IPv4
};

constexpr std::array<unsigned char, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t";
  const auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = s.find_last_not_of(kSpace);
  return s.substr(first, last - first + 1);
}

bool is_mapped_ipv4(const Address& a) {
  return a.family == AF_INET6 &&
         std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), a.bytes.begin());
}

// ::ffff:a.b.c.d is how a dual-stack socket reports an IPv4 peer; it is the IPv4 address.
Address unmap(const Address& a) {
  if (!is_mapped_ipv4(a)) {
    return a;
  }
  Address v4;
  v4.family = AF_INET;
  std::copy_n(a.bytes.begin() + kMappedPrefix.size(), 4, v4.bytes.begin());
  return v4;
}

// A literal IPv4 or IPv6 address, nothing else (no port, no brackets, no zone).
std::optional<Address> parse_address(std::string_view text) {
  // inet_pton needs a NUL-terminated string; the longest IPv6 text form fits INET6_ADDRSTRLEN.
  // An embedded NUL would make inet_pton read only a prefix.
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN ||
      text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  std::array<char, INET6_ADDRSTRLEN> buffer{};
  std::copy(text.begin(), text.end(), buffer.begin());
  Address address;
  if (inet_pton(AF_INET, buffer.data(), address.bytes.data()) == 1) {
    address.family = AF_INET;
    return address;
  }
  if (inet_pton(AF_INET6, buffer.data(), address.bytes.data()) == 1) {
    address.family = AF_INET6;
    return address;
  }
  return std::nullopt;
}

unsigned max_prefix(int family) {
  return family == AF_INET ? 32U : 128U;
}

// True when the first `prefix` bits of a and b agree.
bool same_prefix(const unsigned char* a, const unsigned char* b, unsigned prefix) {
  const unsigned whole = prefix / 8;
  if (std::memcmp(a, b, whole) != 0) {
    return false;
  }
  const unsigned rest = prefix % 8;
  if (rest == 0) {
    return true;
  }
  const auto mask = static_cast<unsigned char>(0xFFU << (8U - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

[[noreturn]] void bad_entry(std::string_view entry) {
  throw std::invalid_argument("TRUSTED_PROXIES: bad entry '" + std::string(entry) + "'");
}

}  // namespace

TrustedProxies TrustedProxies::parse(std::string_view csv) {
  TrustedProxies proxies;
  std::size_t start = 0;
  while (start <= csv.size()) {
    const auto comma = std::min(csv.find(',', start), csv.size());
    const auto entry = trim(csv.substr(start, comma - start));
    start = comma + 1;
    if (entry.empty()) {
      continue;  // "" and a trailing comma mean nothing more
    }
    const auto slash = entry.find('/');
    auto address = parse_address(entry.substr(0, slash));
    if (!address) {
      bad_entry(entry);
    }
    unsigned prefix = max_prefix(address->family);
    if (slash != std::string_view::npos) {
      const auto digits = entry.substr(slash + 1);
      const auto* const end = digits.data() + digits.size();
      const auto [ptr, ec] = std::from_chars(digits.data(), end, prefix);
      if (digits.empty() || ec != std::errc{} || ptr != end ||
          prefix > max_prefix(address->family)) {
        bad_entry(entry);
      }
    }
    // ::ffff:10.0.0.0/104 is written for dual-stack sockets and means 10.0.0.0/8; addresses are
    // unmapped before matching, so the range must be too.
    if (is_mapped_ipv4(*address) && prefix >= 96) {
      address = unmap(*address);
      prefix -= 96;
    }
    Range range{};
    range.family = address->family;
    range.prefix = prefix;
    std::copy(address->bytes.begin(), address->bytes.end(), std::begin(range.addr));
    proxies.ranges_.push_back(range);
  }
  return proxies;
}

bool TrustedProxies::contains(std::string_view ip) const {
  const auto parsed = parse_address(ip);
  if (!parsed) {
    return false;
  }
  const Address address = unmap(*parsed);
  return std::any_of(ranges_.begin(), ranges_.end(), [&](const Range& range) {
    return range.family == address.family &&
           same_prefix(std::data(range.addr), address.bytes.data(), range.prefix);
  });
}

std::string client_ip(std::string_view socket_ip, std::optional<std::string_view> x_forwarded_for,
                      const TrustedProxies& proxies) {
  if (!x_forwarded_for || !proxies.contains(socket_ip)) {
    return std::string(socket_ip);
  }
  // Each proxy appends the peer it saw, so only the right end of the list is written by hops we
  // trust; anything left of the first untrusted hop is whatever the client chose to send.
  std::string_view previous = socket_ip;
  std::string_view rest = *x_forwarded_for;
  while (true) {
    const auto comma = rest.rfind(',');
    const auto entry = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    if (!parse_address(entry)) {
      // Garbage means the header was not written by a proxy we trust from here on: keep the
      // view of the last hop we do trust.
      return std::string(previous);
    }
    if (!proxies.contains(entry)) {
      return std::string(entry);
    }
    previous = entry;
    if (comma == std::string_view::npos) {
      return std::string(previous);  // every hop is trusted: the leftmost is the client
    }
    rest = rest.substr(0, comma);
  }
}

}  // namespace tiket::auth
