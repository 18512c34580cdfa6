#pragma once

#include <charconv>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tiket::core {

// A bad setting: the message is one line and starts with the variable's name.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Environment = std::map<std::string, std::string, std::less<>>;

// The process environment, as a map (read once, in main).
Environment current_environment();

// The one strict reader of settings that every module's read_settings uses. A variable that
// is unset or empty takes its default; a value that does not parse or is out of range throws
// ConfigError "NAME: expected ..., got '...'", so every module's errors read the same way.
class EnvReader {
 public:
  explicit EnvReader(const Environment& env) : env_(env) {}
  explicit EnvReader(Environment&&) = delete;  // it keeps a reference

  // The raw value; nullopt when the variable is unset or empty.
  std::optional<std::string_view> value(std::string_view name) const;
  std::string text(std::string_view name, std::string fallback) const;
  bool boolean(std::string_view name, bool fallback) const;  // true/false, 1/0, yes/no, on/off
  // A decimal whole number in [min, max].
  template <typename T>
  T number(std::string_view name, T fallback, T min, T max) const;

  // Throws "NAME: expected <expected>, got '<value>'" for a value a module checked itself.
  [[noreturn]] void reject(std::string_view name, std::string_view expected) const;

 private:
  [[noreturn]] void reject_number(std::string_view name, const std::string& min,
                                  const std::string& max) const;
  const Environment& env_;
};

template <typename T>
T EnvReader::number(std::string_view name, T fallback, T min, T max) const {
  const auto raw = value(name);
  if (!raw) {
    return fallback;
  }
  T parsed{};
  const auto* end = raw->data() + raw->size();
  const auto [ptr, ec] = std::from_chars(raw->data(), end, parsed);
  if (ec != std::errc{} || ptr != end || parsed < min || parsed > max) {
    reject_number(name, std::to_string(min), std::to_string(max));
  }
  return parsed;
}

}  // namespace tiket::core
