#include "core/percent_encoding.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using tiket::core::percent_decode;

TEST(PercentDecode, DecodesEscapesInEitherCase) {
  EXPECT_EQ(percent_decode("a%20b%2Fc"), "a b/c");
  EXPECT_EQ(percent_decode("%2f%2F"), "//");
  EXPECT_EQ(percent_decode("%E2%82%AC"), "\xE2\x82\xAC");
  EXPECT_EQ(percent_decode(""), "");
  EXPECT_EQ(percent_decode("plain"), "plain");
}

TEST(PercentDecode, PlusIsASpaceOnlyWhenAsked) {
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_EQ(percent_decode("a%2Bb", true), "a+b");
}

TEST(PercentDecode, RejectsMalformedAndTruncatedEscapes) {
  for (const char* bad : {"%", "%4", "a%", "%G0", "%0G", "%%", "ok%2"}) {
    EXPECT_THROW(percent_decode(bad), std::invalid_argument) << bad;
  }
}
