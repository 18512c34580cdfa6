#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace tiket::core::log {

// One JSON object per line on stdout, written by a background thread so that request threads
// only format and enqueue. `level` is one of the LOG_LEVEL values.
void init(std::string_view level);

// Flushes and stops the background writer; call last in main.
void shutdown();

bool enabled(spdlog::level::level_enum level);

// Writes {"time","level","msg", ...fields}. `fields` must be a JSON object (or null).
void write(spdlog::level::level_enum level, std::string_view msg,
           const nlohmann::json& fields = nullptr);

inline void info(std::string_view msg, const nlohmann::json& fields = nullptr) {
  write(spdlog::level::info, msg, fields);
}
inline void warn(std::string_view msg, const nlohmann::json& fields = nullptr) {
  write(spdlog::level::warn, msg, fields);
}
inline void error(std::string_view msg, const nlohmann::json& fields = nullptr) {
  write(spdlog::level::err, msg, fields);
}

// Writes an already-formatted JSON line (the access log builds its own for speed).
void write_raw(spdlog::level::level_enum level, std::string_view json_line);

// RFC 3339 UTC with milliseconds: 2026-11-21T09:18:34.123Z
std::string utc_timestamp(std::chrono::system_clock::time_point tp);

// Appends `s` to `out` as the inside of a JSON string literal.
void append_json_escaped(std::string& out, std::string_view s);

}  // namespace tiket::core::log
