#include "core/timestamp.hpp"

#include <gtest/gtest.h>

using namespace tiket::core;
using namespace std::chrono_literals;

TEST(Rfc3339Timestamp, ParsesRfc3339AndAppliesTheOffset) {
  const auto utc = parse_rfc3339("2026-12-20T12:00:00Z");
  ASSERT_TRUE(utc);
  EXPECT_EQ(parse_rfc3339("2026-12-20T19:00:00+07:00"), utc);
  EXPECT_EQ(parse_rfc3339("2026-12-20T07:30:00-04:30"), utc);
  EXPECT_EQ(parse_rfc3339("2026-12-20t12:00:00z"), utc);
  EXPECT_EQ(format_rfc3339(*utc), "2026-12-20T12:00:00Z");
  // Across midnight and a year.
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2027-01-01T05:00:00+07:00")), "2026-12-31T22:00:00Z");
}

TEST(Rfc3339Timestamp, KeepsMicrosecondsAndCutsFinerFractions) {
  const auto t = parse_rfc3339("2026-12-20T12:00:00.123456789Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2026-12-20T12:00:00.123456Z");
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2026-12-20T12:00:00.5Z")),
            "2026-12-20T12:00:00.500000Z");
  EXPECT_EQ(format_sql_datetime(*t), "2026-12-20 12:00:00.123456");
  EXPECT_EQ(parse_sql_datetime("2026-12-20 12:00:00.123456"), t);
  EXPECT_EQ(parse_sql_datetime("2026-12-20 12:00:00"), parse_rfc3339("2026-12-20T12:00:00Z"));
}

TEST(Rfc3339Timestamp, RefusesWhatIsNotRfc3339) {
  for (const char* bad :
       {"", "2026-12-20", "2026-12-20T12:00:00", "2026-12-20 12:00:00Z", "2026-12-20T12:00Z",
        "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-12-20T24:00:00Z",
        "2026-12-20T12:60:00Z", "2026-12-20T12:00:60Z", "2026-12-20T12:00:00+7:00",
        "2026-12-20T12:00:00 07:00", "2026-12-20T12:00:00.Z", "2026-12-20T12:00:00Zjunk",
        "1969-12-31T23:59:59Z", "+2026-12-20T12:00:00Z", "2026-1-20T12:00:00Z", "tomorrow",
        "2026-12-20T12:00:00+24:00"}) {
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
  }
  EXPECT_TRUE(parse_rfc3339("2024-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2025-02-29T00:00:00Z"));
}
