#include "core/env.hpp"

extern char**
    environ;  // NOLINT(readability-redundant-declaration): POSIX, not declared by <unistd.h> in C++

namespace tiket::core {

Environment current_environment() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view kv(*entry);
    const auto eq = kv.find('=');
    if (eq != std::string_view::npos) {
      env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
  }
  return env;
}

std::optional<std::string_view> EnvReader::value(std::string_view name) const {
  const auto it = env_.find(name);
  if (it == env_.end() || it->second.empty()) {
    return std::nullopt;
  }
  return std::string_view(it->second);
}

std::string EnvReader::text(std::string_view name, std::string fallback) const {
  const auto raw = value(name);
  return raw ? std::string(*raw) : std::move(fallback);
}

bool EnvReader::boolean(std::string_view name, bool fallback) const {
  const auto raw = value(name);
  if (!raw) {
    return fallback;
  }
  if (*raw == "1" || *raw == "true" || *raw == "yes" || *raw == "on") {
    return true;
  }
  if (*raw == "0" || *raw == "false" || *raw == "no" || *raw == "off") {
    return false;
  }
  reject(name, "true or false");
}

void EnvReader::reject(std::string_view name, std::string_view expected) const {
  throw ConfigError(std::string(name) + ": expected " + std::string(expected) + ", got '" +
                    std::string(value(name).value_or("")) + "'");
}

void EnvReader::reject_number(std::string_view name, const std::string& min,
                              const std::string& max) const {
  reject(name, "a whole number from " + min + " to " + max);
}

}  // namespace tiket::core
