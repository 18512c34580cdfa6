#include "core/sha256.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

using tiket::core::sha256_hex;

// FIPS 180-2 test vectors.
TEST(Sha256, MatchesKnownVectors) {
  ASSERT_GE(sodium_init(), 0);
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, HashesEmbeddedNulBytes) {
  ASSERT_GE(sodium_init(), 0);
  using namespace std::string_view_literals;
  EXPECT_NE(sha256_hex("a\0b"sv), sha256_hex("a"sv));
  EXPECT_EQ(sha256_hex("a\0b"sv).size(), 64U);
}
