#include "auth/client_ip.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

using tiket::auth::client_ip;
using tiket::auth::TrustedProxies;

namespace {

const TrustedProxies& proxies() {
  static const TrustedProxies parsed =
      TrustedProxies::parse("127.0.0.1, 10.0.0.0/8, ::1, fd00::/8");
  return parsed;
}

std::string parse_error(std::string_view csv) {
  try {
    TrustedProxies::parse(csv);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(ClientIp, UntrustedSocketIgnoresForwardedFor) {
  EXPECT_EQ(client_ip("203.0.113.9", "198.51.100.7", proxies()), "203.0.113.9");
  EXPECT_EQ(client_ip("203.0.113.9", "10.0.0.1", proxies()), "203.0.113.9");
}

TEST(ClientIp, TrustedProxyWithoutHeaderIsTheClient) {
  EXPECT_EQ(client_ip("10.0.0.5", std::nullopt, proxies()), "10.0.0.5");
  EXPECT_EQ(client_ip("10.0.0.5", "", proxies()), "10.0.0.5");
}

TEST(ClientIp, TrustedProxyTakesRightmostUntrustedEntry) {
  EXPECT_EQ(client_ip("10.0.0.5", "198.51.100.7", proxies()), "198.51.100.7");
  EXPECT_EQ(client_ip("127.0.0.1", "  198.51.100.7  ", proxies()), "198.51.100.7");
}

TEST(ClientIp, WalksAChainOfTrustedProxies) {
  EXPECT_EQ(client_ip("10.0.0.5", "198.51.100.7, 10.0.0.9, 10.1.2.3", proxies()), "198.51.100.7");
  EXPECT_EQ(client_ip("10.0.0.5", "198.51.100.7,10.0.0.9,127.0.0.1", proxies()), "198.51.100.7");
}

TEST(ClientIp, IgnoresSpoofedLeftmostEntries) {
  // The client sent "X-Forwarded-For: 6.6.6.6, 10.0.0.1"; our proxy appended what it saw.
  EXPECT_EQ(client_ip("10.0.0.5", "6.6.6.6, 10.0.0.1, 198.51.100.7, 10.0.0.9", proxies()),
            "198.51.100.7");
}

TEST(ClientIp, GarbageEntryStopsTheWalkAtTheLastTrustedHop) {
  EXPECT_EQ(client_ip("10.0.0.5", "198.51.100.7, not-an-ip, 10.0.0.9", proxies()), "10.0.0.9");
  EXPECT_EQ(client_ip("10.0.0.5", "198.51.100.7, garbage", proxies()), "10.0.0.5");
  EXPECT_EQ(client_ip("10.0.0.5", "198.51.100.7, , 10.0.0.9", proxies()), "10.0.0.9");
  EXPECT_EQ(client_ip("10.0.0.5", "198.51.100.7:4711", proxies()), "10.0.0.5");
  EXPECT_EQ(client_ip("10.0.0.5", "unknown", proxies()), "10.0.0.5");
}

TEST(ClientIp, AllTrustedReturnsTheLeftmost) {
  EXPECT_EQ(client_ip("10.0.0.5", "10.0.0.7, 10.0.0.8", proxies()), "10.0.0.7");
}

TEST(ClientIp, HandlesIpv6Hops) {
  EXPECT_EQ(client_ip("::1", "2001:db8::42, fd00::2", proxies()), "2001:db8::42");
  EXPECT_EQ(client_ip("fd12:3456::1", "2001:db8::42", proxies()), "2001:db8::42");
  EXPECT_EQ(client_ip("2001:db8::1", "198.51.100.7", proxies()), "2001:db8::1");
}

TEST(ClientIp, MappedIpv4SocketAddressMatchesIpv4Range) {
  EXPECT_EQ(client_ip("::ffff:10.0.0.5", "198.51.100.7", proxies()), "198.51.100.7");
  EXPECT_EQ(client_ip("::ffff:203.0.113.9", "198.51.100.7", proxies()), "::ffff:203.0.113.9");
}

TEST(ClientIp, EmptyTrustListTrustsNobody) {
  const auto none = TrustedProxies::parse("");
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(client_ip("127.0.0.1", "198.51.100.7", none), "127.0.0.1");
}

TEST(TrustedProxies, BareAddressIsASingleHost) {
  const auto parsed = TrustedProxies::parse("192.0.2.1, 2001:db8::1");
  EXPECT_TRUE(parsed.contains("192.0.2.1"));
  EXPECT_FALSE(parsed.contains("192.0.2.2"));
  EXPECT_TRUE(parsed.contains("2001:db8::1"));
  EXPECT_TRUE(parsed.contains("2001:DB8:0:0::1"));
  EXPECT_FALSE(parsed.contains("2001:db8::2"));
}

TEST(TrustedProxies, MatchesIpv4CidrOnNonByteBoundary) {
  const auto parsed = TrustedProxies::parse("172.16.0.0/12");
  EXPECT_TRUE(parsed.contains("172.16.0.1"));
  EXPECT_TRUE(parsed.contains("172.31.255.255"));
  EXPECT_FALSE(parsed.contains("172.32.0.0"));
  EXPECT_FALSE(parsed.contains("172.15.255.255"));
}

TEST(TrustedProxies, MatchesIpv6Cidr) {
  const auto parsed = TrustedProxies::parse("2001:db8:abcd:1000::/52");
  EXPECT_TRUE(parsed.contains("2001:db8:abcd:1000::1"));
  EXPECT_TRUE(parsed.contains("2001:db8:abcd:1fff:ffff:ffff:ffff:ffff"));
  EXPECT_FALSE(parsed.contains("2001:db8:abcd:2000::1"));
  EXPECT_FALSE(parsed.contains("2001:db8:abce:1000::1"));
}

TEST(TrustedProxies, FamiliesDoNotMix) {
  const auto v4 = TrustedProxies::parse("0.0.0.0/0");
  EXPECT_TRUE(v4.contains("8.8.8.8"));
  EXPECT_FALSE(v4.contains("2001:db8::1"));
  const auto v6 = TrustedProxies::parse("2001:db8::/32");
  EXPECT_FALSE(v6.contains("32.1.13.184"));  // the same leading bits, as IPv4
}

TEST(TrustedProxies, MappedIpv4AddressesMatchIpv4Ranges) {
  const auto parsed = TrustedProxies::parse("10.0.0.0/8");
  EXPECT_TRUE(parsed.contains("::ffff:10.1.2.3"));
  EXPECT_TRUE(parsed.contains("::FFFF:a01:203"));
  EXPECT_FALSE(parsed.contains("::ffff:11.1.2.3"));
  const auto mapped_range = TrustedProxies::parse("::ffff:10.0.0.0/104");
  EXPECT_TRUE(mapped_range.contains("10.9.9.9"));
  EXPECT_FALSE(mapped_range.contains("11.9.9.9"));
}

TEST(TrustedProxies, NonAddressesAreNeverContained) {
  const auto parsed = TrustedProxies::parse("0.0.0.0/0, ::/0");
  EXPECT_FALSE(parsed.contains(""));
  EXPECT_FALSE(parsed.contains("localhost"));
  EXPECT_FALSE(parsed.contains("10.0.0.1:80"));
  EXPECT_FALSE(parsed.contains(std::string_view("10.0.0.1\0junk", 13)));
}

TEST(TrustedProxies, ToleratesSpacesAndEmptyEntries) {
  const auto parsed = TrustedProxies::parse("  10.0.0.1 ,\t, 10.0.0.2/32,");
  EXPECT_FALSE(parsed.empty());
  EXPECT_TRUE(parsed.contains("10.0.0.1"));
  EXPECT_TRUE(parsed.contains("10.0.0.2"));
  EXPECT_TRUE(TrustedProxies::parse(" , ").empty());
}

TEST(TrustedProxies, RejectsBadEntriesNamingThem) {
  EXPECT_EQ(parse_error("10.0.0.1, nonsense"), "TRUSTED_PROXIES: bad entry 'nonsense'");
  EXPECT_EQ(parse_error("10.0.0.0/33"), "TRUSTED_PROXIES: bad entry '10.0.0.0/33'");
  EXPECT_EQ(parse_error("::/129"), "TRUSTED_PROXIES: bad entry '::/129'");
  EXPECT_EQ(parse_error("10.0.0.0/"), "TRUSTED_PROXIES: bad entry '10.0.0.0/'");
  EXPECT_EQ(parse_error("10.0.0.0/8x"), "TRUSTED_PROXIES: bad entry '10.0.0.0/8x'");
  EXPECT_EQ(parse_error("10.0.0.0/-1"), "TRUSTED_PROXIES: bad entry '10.0.0.0/-1'");
  EXPECT_EQ(parse_error("10.0.0.1:80"), "TRUSTED_PROXIES: bad entry '10.0.0.1:80'");
  EXPECT_EQ(parse_error("10.0.0/8"), "TRUSTED_PROXIES: bad entry '10.0.0/8'");
  EXPECT_EQ(parse_error("/8"), "TRUSTED_PROXIES: bad entry '/8'");
}
