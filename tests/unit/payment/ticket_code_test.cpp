#include <gtest/gtest.h>
#include <sodium.h>

#include <set>

#include "booking/ticket.hpp"

using tiket::booking::looks_like_ticket_code;
using tiket::booking::make_ticket_code;

TEST(TicketCode, Is128RandomBitsInBase32AndNeverRepeats) {
  ASSERT_GE(sodium_init(), 0);
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    const auto code = make_ticket_code();
    ASSERT_EQ(code.size(), 30U);
    ASSERT_TRUE(looks_like_ticket_code(code)) << code;
    ASSERT_TRUE(seen.insert(code).second);
  }
  // 26 base32 characters carry 130 bits; the last one holds only 3 of the 128 random bits, so
  // it is always one of the eight letters a 3-bit value followed by 00 gives.
  for (const auto& code : seen) {
    EXPECT_NE(std::string("AEIMQUY4").find(code.back()), std::string::npos) << code;
  }
}

TEST(TicketCode, ShapeCheckRejectsAnythingElse) {
  EXPECT_FALSE(looks_like_ticket_code(""));
  EXPECT_FALSE(looks_like_ticket_code("TKT-"));
  EXPECT_FALSE(looks_like_ticket_code("TKT-AAAAAAAAAAAAAAAAAAAAAAAAA"));    // 25
  EXPECT_FALSE(looks_like_ticket_code("TKT-AAAAAAAAAAAAAAAAAAAAAAAAAAA"));  // 27
  EXPECT_FALSE(looks_like_ticket_code("TKT-aaaaaaaaaaaaaaaaaaaaaaaaaa"));   // lower case
  EXPECT_FALSE(looks_like_ticket_code("TKT-AAAAAAAAAAAAAAAAAAAAAAAAA1"));   // 1 is not base32
  EXPECT_FALSE(looks_like_ticket_code("TIX-AAAAAAAAAAAAAAAAAAAAAAAAAA"));
  EXPECT_TRUE(looks_like_ticket_code("TKT-AAAAAAAAAAAAAAAAAAAAAAAAAA"));
}
