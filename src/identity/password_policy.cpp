#include "identity/password_policy.hpp"

#include <cstdint>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <utility>

namespace tiket::identity {

namespace {

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Only ASCII letters are folded: the list and emails are ASCII, and a locale-dependent or
// full Unicode fold would make the check depend on the environment.
std::string ascii_lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = ascii_lower(c);
  }
  return out;
}

bool ascii_iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) {
      return false;
    }
  }
  return true;
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = s.find_last_not_of(kSpace);
  return s.substr(first, last - first + 1);
}

// The number of code points in well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF), or nullopt.
std::optional<std::size_t> utf8_code_points(std::string_view s) {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<std::uint8_t>(s[i]);
    std::size_t extra = 0;
    std::uint32_t cp = 0;
    std::uint32_t min = 0;
    if (lead < 0x80U) {
      ++i;
      ++count;
      continue;
    }
    if ((lead & 0xE0U) == 0xC0U) {
      extra = 1;
      cp = lead & 0x1FU;
      min = 0x80;
    } else if ((lead & 0xF0U) == 0xE0U) {
      extra = 2;
      cp = lead & 0x0FU;
      min = 0x800;
    } else if ((lead & 0xF8U) == 0xF0U) {
      extra = 3;
      cp = lead & 0x07U;
      min = 0x10000;
    } else {
      return std::nullopt;  // a continuation byte without a lead, or 0xF8..0xFF
    }
    if (s.size() - i <= extra) {
      return std::nullopt;  // truncated
    }
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto next = static_cast<std::uint8_t>(s[i + k]);
      if ((next & 0xC0U) != 0x80U) {
        return std::nullopt;
      }
      cp = (cp << 6U) | (next & 0x3FU);
    }
    if (cp < min || cp > 0x10FFFFU || (cp >= 0xD800U && cp <= 0xDFFFU)) {
      return std::nullopt;
    }
    i += extra + 1;
    ++count;
  }
  return count;
}

}  // namespace

PasswordPolicy PasswordPolicy::load(const std::filesystem::path& common_passwords_file) {
  std::ifstream in(common_passwords_file);
  if (!in) {
    throw std::runtime_error("cannot read the common passwords file " +
                             common_passwords_file.string());
  }
  std::unordered_set<std::string> common;
  std::string line;
  while (std::getline(in, line)) {
    const auto entry = trim(line);
    if (entry.empty() || entry.front() == '#') {
      continue;
    }
    common.insert(ascii_lowercase(entry));
  }
  // getline stops on end of file (eofbit) or on a read error (badbit, e.g. a directory).
  if (in.bad() || !in.eof()) {
    throw std::runtime_error("cannot read the common passwords file " +
                             common_passwords_file.string());
  }
  return PasswordPolicy(std::move(common));
}

PasswordPolicy::PasswordPolicy(std::unordered_set<std::string> common_lowercase) {
  // Lowercased again so that a caller's set with capitals cannot silently miss. Moving the nodes
  // across avoids copying the strings.
  common_.reserve(common_lowercase.size());
  while (!common_lowercase.empty()) {
    auto node = common_lowercase.extract(common_lowercase.begin());
    for (char& c : node.value()) {
      c = ascii_lower(c);
    }
    common_.insert(std::move(node));
  }
}

std::vector<std::string> PasswordPolicy::check(std::string_view password,
                                               std::string_view email) const {
  std::vector<std::string> reasons;
  if (const auto length = utf8_code_points(password); !length) {
    // Without a well-formed encoding there is no meaningful length to report.
    reasons.emplace_back("must be valid UTF-8");
  } else if (*length < kMinLength) {
    reasons.emplace_back("must be at least " + std::to_string(kMinLength) + " characters");
  } else if (*length > kMaxLength) {
    reasons.emplace_back("must be at most " + std::to_string(kMaxLength) + " characters");
  }
  if (!email.empty() && ascii_iequal(password, email)) {
    reasons.emplace_back("must not be the same as the email");
  }
  if (common_.contains(ascii_lowercase(password))) {
    reasons.emplace_back("is too common; choose a less guessable password");
  }
  return reasons;
}

}  // namespace tiket::identity
