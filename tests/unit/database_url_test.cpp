#include "core/database_url.hpp"

#include <gtest/gtest.h>

using tiket::core::parse_database_url;

TEST(DatabaseUrl, ParsesAllParts) {
  const auto url = parse_database_url("mysql://app:secret@db.internal:3310/tiket");
  EXPECT_EQ(url.user, "app");
  EXPECT_EQ(url.password, "secret");
  EXPECT_EQ(url.host, "db.internal");
  EXPECT_EQ(url.port, 3310);
  EXPECT_EQ(url.database, "tiket");
}

TEST(DatabaseUrl, DefaultsPortAndAllowsNoPassword) {
  const auto url = parse_database_url("mariadb://root@localhost/t");
  EXPECT_EQ(url.port, 3306);
  EXPECT_EQ(url.password, "");
}

TEST(DatabaseUrl, DecodesEscapedCredentials) {
  const auto url = parse_database_url("mysql://us%40er:p%3Ass%2Fw@h/d");
  EXPECT_EQ(url.user, "us@er");
  EXPECT_EQ(url.password, "p:ss/w");
}

TEST(DatabaseUrl, AcceptsIpv6Host) {
  const auto url = parse_database_url("mysql://u:p@[::1]:3307/d");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 3307);
}

TEST(DatabaseUrl, RejectsMalformedUrls) {
  for (const char* bad :
       {"", "http://u@h/d", "mysql://h/d", "mysql://u@h", "mysql://u@h/", "mysql://u@:3306/d",
        "mysql://u@h:0/d", "mysql://u@h:65536/d", "mysql://u@h:12ab/d", "mysql://:p@h/d",
        "mysql://u@h/d?ssl=1", "mysql://u@[::1/d", "mysql://u%zz@h/d"}) {
    EXPECT_THROW(parse_database_url(bad), std::invalid_argument) << bad;
  }
}

TEST(DatabaseUrl, RedactsThePassword) {
  const auto url = parse_database_url("mysql://app:secret@h:1/d");
  EXPECT_EQ(url.redacted(), "mysql://app:***@h:1/d");
}
