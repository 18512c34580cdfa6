#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace tiket::identity {

// 10 to 128 characters (Unicode code points, not bytes), not equal to the email (case
// insensitive), and not on the shipped list of common passwords (data/common-passwords.txt,
// compared case-insensitively).
class PasswordPolicy {
 public:
  static constexpr std::size_t kMinLength = 10;
  static constexpr std::size_t kMaxLength = 128;

  // One password per line; blank lines and lines starting with '#' are skipped.
  // Throws std::runtime_error when the file cannot be read.
  static PasswordPolicy load(const std::filesystem::path& common_passwords_file);

  explicit PasswordPolicy(std::unordered_set<std::string> common_lowercase);

  // Empty when the password is acceptable; otherwise human-readable reasons, each safe to
  // return to the client as errors[] entries for the field "password".
  std::vector<std::string> check(std::string_view password, std::string_view email) const;

  std::size_t common_count() const { return common_.size(); }

 private:
  std::unordered_set<std::string> common_;
};

}  // namespace tiket::identity
