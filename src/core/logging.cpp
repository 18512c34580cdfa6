#include "core/logging.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <array>
#include <ctime>

namespace tiket::core::log {

namespace {
std::shared_ptr<spdlog::logger>& logger() {
  static std::shared_ptr<spdlog::logger> instance;
  return instance;
}

std::string_view level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}
}  // namespace

void init(std::string_view level) {
  constexpr std::size_t kQueueSize = 16384;
  spdlog::init_thread_pool(kQueueSize, 1);
  auto sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  // Block rather than drop: a request log line is an audit trail, not a best effort.
  auto async = std::make_shared<spdlog::async_logger>("tiket", sink, spdlog::thread_pool(),
                                                      spdlog::async_overflow_policy::block);
  async->set_pattern("%v");
  async->set_level(spdlog::level::from_str(std::string(level)));
  async->flush_on(spdlog::level::warn);
  logger() = async;
  spdlog::set_default_logger(async);
  spdlog::flush_every(std::chrono::seconds(1));
}

void shutdown() {
  if (logger()) {
    logger()->flush();
  }
  spdlog::shutdown();
  logger().reset();
}

bool enabled(spdlog::level::level_enum level) {
  return logger() ? logger()->should_log(level) : level >= spdlog::level::info;
}

void write_raw(spdlog::level::level_enum level, std::string_view json_line) {
  if (auto& l = logger()) {
    l->log(level, "{}", json_line);
  } else {
    // Before init (config errors) or after shutdown: stderr, unbuffered.
    std::string line(json_line);
    line += '\n';
    // Nothing sensible is left to do if stderr itself fails.
    (void)!std::fwrite(line.data(), 1, line.size(), stderr);
  }
}

void write(spdlog::level::level_enum level, std::string_view msg, const nlohmann::json& fields) {
  if (!enabled(level)) {
    return;
  }
  nlohmann::json line = {{"time", utc_timestamp(std::chrono::system_clock::now())},
                         {"level", level_name(level)},
                         {"msg", msg}};
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) {
      line[key] = value;
    }
  }
  write_raw(level, line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string utc_timestamp(std::chrono::system_clock::time_point tp) {
  const auto secs = std::chrono::time_point_cast<std::chrono::seconds>(tp);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(tp - secs).count();
  const std::time_t t = std::chrono::system_clock::to_time_t(secs);
  // Every access-log line needs a timestamp; the date-time part changes once a second, so each
  // thread formats it once per second instead of once per request.
  thread_local std::time_t cached_second = -1;
  thread_local std::string cached_prefix;
  if (t != cached_second) {
    std::tm utc{};
    gmtime_r(&t, &utc);
    std::array<char, 40> buf{};
    const auto n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &utc);
    cached_prefix.assign(buf.data(), n);
    cached_second = t;
  }
  std::string out = cached_prefix;
  out += fmt::format(".{:03d}Z", static_cast<int>(millis));
  return out;
}

void append_json_escaped(std::string& out, std::string_view s) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c >= 0x7F) {
          // Control bytes and non-ASCII are escaped byte-wise so a log line is always valid
          // JSON, whatever a client put in its path or headers.
          out += "\\u00";
          out += kHex[c >> 4U];
          out += kHex[c & 0xFU];
        } else {
          out += ch;
        }
    }
  }
}

}  // namespace tiket::core::log
