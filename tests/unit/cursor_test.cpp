// The id cursors of /api/users and /api/bookings (core/cursor).
#include "core/cursor.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "core/errors.hpp"

using tiket::core::AppError;
using tiket::core::base64url_encode;
using tiket::core::decode_id_cursor;
using tiket::core::encode_id_cursor;

TEST(IdCursor, RoundTrips) {
  for (const std::int64_t id : {std::int64_t{0}, std::int64_t{1}, std::int64_t{42},
                                std::numeric_limits<std::int64_t>::max()}) {
    EXPECT_EQ(decode_id_cursor('u', encode_id_cursor('u', id)), id);
  }
}

// Found by fuzz_cursor: "u007" and "u-0" decoded to 7 and 0, so one position had many cursors;
// only encode_id_cursor's own spelling is accepted now.
TEST(IdCursor, RefusesOtherSpellingsOfTheSameId) {
  for (const char* raw : {"u007", "u-0", "u00", "u+7", "u-5", "u", "b7", "u7 "}) {
    EXPECT_THROW(decode_id_cursor('u', base64url_encode(raw)), AppError) << raw;
  }
  EXPECT_THROW(decode_id_cursor('u', "dTAwNw"), AppError);  // the fuzzer's input, "u007"
}
