#include "identity/password_policy.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

using tiket::identity::PasswordPolicy;

namespace {

const std::string kTooShort = "must be at least 10 characters";
const std::string kTooLong = "must be at most 128 characters";
const std::string kSameAsEmail = "must not be the same as the email";
const std::string kTooCommon = "is too common; choose a less guessable password";
const std::string kBadUtf8 = "must be valid UTF-8";

std::string repeat(std::string_view unit, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) {
    out += unit;
  }
  return out;
}

bool has(const std::vector<std::string>& reasons, const std::string& reason) {
  return std::find(reasons.begin(), reasons.end(), reason) != reasons.end();
}

class PasswordPolicyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    policy_ = std::make_unique<PasswordPolicy>(
        PasswordPolicy::load(std::filesystem::path(TIKET_DATA_DIR) / "common-passwords.txt"));
  }
  static void TearDownTestSuite() { policy_.reset(); }

  static std::vector<std::string> check(std::string_view password,
                                        std::string_view email = "someone@example.com") {
    return policy_->check(password, email);
  }

  static std::unique_ptr<PasswordPolicy> policy_;
};

std::unique_ptr<PasswordPolicy> PasswordPolicyTest::policy_;

}  // namespace

TEST_F(PasswordPolicyTest, LoadsTheShippedCommonList) {
  EXPECT_GE(policy_->common_count(), 200U);
  EXPECT_TRUE(has(check("password123"), kTooCommon));
}

TEST_F(PasswordPolicyTest, AcceptsAStrongPassword) {
  EXPECT_TRUE(check("correct horse battery staple").empty());
}

TEST_F(PasswordPolicyTest, LengthBoundariesCountAsciiCharacters) {
  EXPECT_EQ(check("Zq8#mv2Lp"), std::vector<std::string>{kTooShort});              // 9
  EXPECT_TRUE(check("Zq8#mv2Lpx").empty());                                        // 10
  EXPECT_TRUE(check(repeat("Zq8#", 32)).empty());                                  // 128
  EXPECT_EQ(check(repeat("Zq8#", 32) + "x"), std::vector<std::string>{kTooLong});  // 129
}

TEST_F(PasswordPolicyTest, LengthCountsCodePointsNotBytes) {
  // U+00E9 is 2 bytes: 9 of them are 18 bytes but still too short.
  EXPECT_EQ(check(repeat("\xC3\xA9", 9)), std::vector<std::string>{kTooShort});
  EXPECT_TRUE(check(repeat("\xC3\xA9", 10)).empty());
  // U+20AC is 3 bytes: 128 of them are 384 bytes and still allowed.
  EXPECT_TRUE(check(repeat("\xE2\x82\xAC", 128)).empty());
  EXPECT_EQ(check(repeat("\xE2\x82\xAC", 129)), std::vector<std::string>{kTooLong});
  // U+1F98A is 4 bytes.
  EXPECT_EQ(check(repeat("\xF0\x9F\xA6\x8A", 9)), std::vector<std::string>{kTooShort});
  EXPECT_TRUE(check(repeat("\xF0\x9F\xA6\x8A", 10)).empty());
}

TEST_F(PasswordPolicyTest, RejectsInvalidUtf8) {
  const std::string padding = "abcdefghijkl";
  EXPECT_EQ(check("\xC3\x28" + padding), std::vector<std::string>{kBadUtf8});  // bad continuation
  EXPECT_EQ(check("\x80" + padding), std::vector<std::string>{kBadUtf8});      // stray continuation
  EXPECT_EQ(check("\xC0\xAF" + padding), std::vector<std::string>{kBadUtf8});  // overlong '/'
  EXPECT_EQ(check("\xED\xA0\x80" + padding), std::vector<std::string>{kBadUtf8});      // surrogate
  EXPECT_EQ(check("\xF4\x90\x80\x80" + padding), std::vector<std::string>{kBadUtf8});  // > U+10FFFF
  EXPECT_EQ(check("\xFF" + padding), std::vector<std::string>{kBadUtf8});
  EXPECT_EQ(check(padding + "\xE2\x82"), std::vector<std::string>{kBadUtf8});  // truncated
}

TEST_F(PasswordPolicyTest, RejectsPasswordEqualToEmail) {
  EXPECT_EQ(check("someone@example.com", "someone@example.com"),
            std::vector<std::string>{kSameAsEmail});
}

TEST_F(PasswordPolicyTest, RejectsPasswordEqualToEmailIgnoringCase) {
  EXPECT_EQ(check("SomeOne@Example.COM", "someone@example.com"),
            std::vector<std::string>{kSameAsEmail});
  EXPECT_EQ(check("someone@example.com", "SOMEONE@example.com"),
            std::vector<std::string>{kSameAsEmail});
  EXPECT_TRUE(check("someone@example.co", "someone@example.com").empty());
}

TEST_F(PasswordPolicyTest, RejectsCommonPasswordIgnoringCase) {
  EXPECT_EQ(check("QwertyUiop"), std::vector<std::string>{kTooCommon});
  EXPECT_EQ(check("PASSWORD123"), std::vector<std::string>{kTooCommon});
  EXPECT_EQ(check("1234567890"), std::vector<std::string>{kTooCommon});
  EXPECT_EQ(check("iloveyou123"), std::vector<std::string>{kTooCommon});
}

TEST_F(PasswordPolicyTest, ReportsEveryReasonThatApplies) {
  const auto reasons = check("IloveYou", "iloveyou");
  EXPECT_EQ(reasons, (std::vector<std::string>{kTooShort, kSameAsEmail, kTooCommon}));
}

TEST_F(PasswordPolicyTest, EmptyEmailIsNotCompared) {
  EXPECT_EQ(check("", ""), std::vector<std::string>{kTooShort});
}

TEST(PasswordPolicyConstruction, LowercasesTheGivenSet) {
  const PasswordPolicy policy({"MixedCase123"});
  EXPECT_EQ(policy.check("mixedcase123", "a@b.c"), std::vector<std::string>{kTooCommon});
  EXPECT_EQ(policy.check("MIXEDCASE123", "a@b.c"), std::vector<std::string>{kTooCommon});
}

class PasswordPolicyFile : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("tiket-common-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".txt");
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::filesystem::path path_;
};

TEST_F(PasswordPolicyFile, LoaderSkipsCommentsAndBlankLines) {
  std::ofstream(path_) << "# this is a comment line\n"
                          "\n"
                          "   \n"
                          "Hunter2Hunter2\r\n"
                          "  # an indented comment line\n"
                          "  trimmedentry  \n";
  const auto policy = PasswordPolicy::load(path_);
  EXPECT_EQ(policy.common_count(), 2U);
  EXPECT_EQ(policy.check("hunter2hunter2", "a@b.c"), std::vector<std::string>{kTooCommon});
  EXPECT_EQ(policy.check("TrimmedEntry", "a@b.c"), std::vector<std::string>{kTooCommon});
  EXPECT_TRUE(policy.check("# this is a comment line", "a@b.c").empty());
}

TEST_F(PasswordPolicyFile, LoadingMissingFileThrows) {
  EXPECT_THROW(PasswordPolicy::load(path_), std::runtime_error);
}

TEST_F(PasswordPolicyFile, LoadingDirectoryThrows) {
  std::filesystem::create_directory(path_);
  EXPECT_THROW(PasswordPolicy::load(path_), std::runtime_error);
}
