#include "identity/password.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <cstddef>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using tiket::identity::PasswordHasher;
using tiket::identity::PasswordHasherOptions;

namespace {

// The cheapest argon2id parameters libsodium accepts: the behaviour under test does not depend
// on the cost, and the suite stays fast.
PasswordHasherOptions fast_options(unsigned max_concurrent = 2) {
  PasswordHasherOptions options;
  options.max_concurrent = max_concurrent;
  options.opslimit = crypto_pwhash_OPSLIMIT_MIN;
  options.memlimit = crypto_pwhash_MEMLIMIT_MIN;
  return options;
}

class PasswordHasherTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GE(sodium_init(), 0); }
};

}  // namespace

TEST_F(PasswordHasherTest, VerifiesThePasswordItHashed) {
  PasswordHasher hasher(fast_options());
  const std::string hash = hasher.hash("correct horse battery staple");
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0U) << hash;
  EXPECT_TRUE(hasher.verify(hash, "correct horse battery staple"));
}

TEST_F(PasswordHasherTest, RejectsWrongPassword) {
  PasswordHasher hasher(fast_options());
  const std::string hash = hasher.hash("correct horse battery staple");
  EXPECT_FALSE(hasher.verify(hash, "correct horse battery stapler"));
  EXPECT_FALSE(hasher.verify(hash, ""));
}

TEST_F(PasswordHasherTest, HashDoesNotContainThePassword) {
  PasswordHasher hasher(fast_options());
  const std::string hash = hasher.hash("VerySecretPassphrase");
  EXPECT_EQ(hash.find("VerySecretPassphrase"), std::string::npos);
}

TEST_F(PasswordHasherTest, HashesAreSalted) {
  PasswordHasher hasher(fast_options());
  const std::string first = hasher.hash("same password twice");
  const std::string second = hasher.hash("same password twice");
  EXPECT_NE(first, second);
  EXPECT_TRUE(hasher.verify(first, "same password twice"));
  EXPECT_TRUE(hasher.verify(second, "same password twice"));
}

TEST_F(PasswordHasherTest, HashesAndVerifiesEmptyAndBinaryPasswords) {
  PasswordHasher hasher(fast_options());
  const std::string empty_hash = hasher.hash("");
  EXPECT_TRUE(hasher.verify(empty_hash, ""));
  EXPECT_FALSE(hasher.verify(empty_hash, "x"));

  const std::string with_nul("ab\0cd", 5);
  const std::string nul_hash = hasher.hash(with_nul);
  EXPECT_TRUE(hasher.verify(nul_hash, with_nul));
  EXPECT_FALSE(hasher.verify(nul_hash, "ab"));
}

TEST_F(PasswordHasherTest, ReturnsFalseForMalformedHash) {
  PasswordHasher hasher(fast_options());
  const std::string good = hasher.hash("correct horse battery staple");
  EXPECT_FALSE(hasher.verify("", "correct horse battery staple"));
  EXPECT_FALSE(hasher.verify("not a hash", "correct horse battery staple"));
  EXPECT_FALSE(hasher.verify("$argon2id$v=19$m=8,t=1,p=1$", "correct horse battery staple"));
  EXPECT_FALSE(hasher.verify(good.substr(0, good.size() - 5), "correct horse battery staple"));
  EXPECT_FALSE(hasher.verify(std::string(500, 'a'), "correct horse battery staple"));
  // An embedded NUL must not let a C API stop early and check a prefix.
  EXPECT_FALSE(hasher.verify(good + std::string(1, '\0') + "junk", "correct horse battery staple"));
}

TEST_F(PasswordHasherTest, VerifiesHashesMadeWithOtherParameters) {
  PasswordHasher old_hasher(fast_options());
  PasswordHasherOptions stronger = fast_options();
  stronger.opslimit = crypto_pwhash_OPSLIMIT_MIN + 1;
  stronger.memlimit = crypto_pwhash_MEMLIMIT_MIN * 2;
  PasswordHasher new_hasher(stronger);
  const std::string old_hash = old_hasher.hash("correct horse battery staple");
  EXPECT_TRUE(new_hasher.verify(old_hash, "correct horse battery staple"));
  EXPECT_FALSE(new_hasher.verify(old_hash, "wrong horse battery staple"));
}

TEST_F(PasswordHasherTest, NeedsRehashWhenParametersWereLower) {
  PasswordHasher old_hasher(fast_options());
  const std::string old_hash = old_hasher.hash("correct horse battery staple");

  PasswordHasherOptions more_ops = fast_options();
  more_ops.opslimit = crypto_pwhash_OPSLIMIT_MIN + 1;
  PasswordHasherOptions more_memory = fast_options();
  more_memory.memlimit = crypto_pwhash_MEMLIMIT_MIN * 2;

  EXPECT_FALSE(old_hasher.needs_rehash(old_hash));
  EXPECT_TRUE(PasswordHasher(more_ops).needs_rehash(old_hash));
  EXPECT_TRUE(PasswordHasher(more_memory).needs_rehash(old_hash));
}

TEST_F(PasswordHasherTest, NeedsRehashForMalformedHash) {
  PasswordHasher hasher(fast_options());
  EXPECT_TRUE(hasher.needs_rehash(""));
  EXPECT_TRUE(hasher.needs_rehash("not a hash"));
}

TEST_F(PasswordHasherTest, DummyVerifyRunsUnderTheCap) {
  PasswordHasher hasher(fast_options());
  // The constructor's own dummy hash is not counted.
  EXPECT_EQ(hasher.peak_concurrency(), 0U);
  EXPECT_NO_THROW(hasher.dummy_verify("any password at all"));
  EXPECT_NO_THROW(hasher.dummy_verify(""));
  EXPECT_EQ(hasher.peak_concurrency(), 1U);
}

TEST_F(PasswordHasherTest, RejectsZeroConcurrencyAndImpossibleCost) {
  EXPECT_THROW(PasswordHasher{fast_options(0)}, std::invalid_argument);
  PasswordHasherOptions too_little_memory = fast_options();
  too_little_memory.memlimit = crypto_pwhash_MEMLIMIT_MIN - 1;
  EXPECT_THROW(PasswordHasher{too_little_memory}, std::invalid_argument);
}

TEST_F(PasswordHasherTest, NeverRunsMoreThanMaxConcurrentAtOnce) {
  // Each call must last long enough (a few ms) for the six threads to pile up behind the cap, so
  // this test uses 2 MiB per call rather than the 8 KiB minimum.
  PasswordHasherOptions options;
  options.max_concurrent = 2;
  options.opslimit = 1;
  options.memlimit = std::size_t{2} * 1024 * 1024;
  PasswordHasher hasher(options);
  const std::string known = hasher.hash("known password");

  constexpr int kThreads = 6;
  constexpr int kCallsPerThread = 2;
  std::latch start(kThreads);
  std::vector<int> correct(kThreads, 0);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kCallsPerThread; ++i) {
        const std::string password = "password " + std::to_string(t) + "/" + std::to_string(i);
        // Hash, verify and dummy_verify all share the one cap.
        const std::string hash = hasher.hash(password);
        if (hasher.verify(hash, password) && !hasher.verify(known, password)) {
          ++correct[static_cast<std::size_t>(t)];
        }
        hasher.dummy_verify(password);
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(correct[static_cast<std::size_t>(t)], kCallsPerThread) << "thread " << t;
  }
  EXPECT_LE(hasher.peak_concurrency(), 2U);
  // Six threads released together keep both slots busy: the cap is a limit, not a mutex.
  EXPECT_EQ(hasher.peak_concurrency(), 2U);
}

TEST_F(PasswordHasherTest, SingleSlotSerialisesCalls) {
  PasswordHasher hasher(fast_options(1));
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&hasher] {
      for (int i = 0; i < 5; ++i) {
        hasher.dummy_verify("serial");
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(hasher.peak_concurrency(), 1U);
}
