#include "jobs/job.hpp"

#include <ctime>

namespace tiket::jobs {

Schedule Schedule::interval(std::chrono::seconds every) {
  Schedule s;
  s.kind = Kind::interval;
  s.every = every;
  return s;
}

Schedule Schedule::daily(int hour, int minute) {
  Schedule s;
  s.kind = Kind::daily;
  s.minute_of_day = hour * 60 + minute;
  return s;
}

core::Timestamp next_slot_after(const Schedule& schedule, core::Timestamp now) {
  if (schedule.kind == Schedule::Kind::interval) {
    return now + std::chrono::duration_cast<std::chrono::microseconds>(schedule.every);
  }
  const auto now_s = std::chrono::floor<std::chrono::seconds>(now);
  const std::time_t t = std::chrono::system_clock::to_time_t(now_s);
  std::tm local{};
  localtime_r(&t, &local);
  for (int add_days = 0;; ++add_days) {
    std::tm slot = local;
    slot.tm_mday += add_days;
    slot.tm_hour = schedule.minute_of_day / 60;
    slot.tm_min = schedule.minute_of_day % 60;
    slot.tm_sec = 0;
    slot.tm_isdst = -1;
    const std::time_t at = std::mktime(&slot);
    const auto tp = std::chrono::time_point_cast<std::chrono::microseconds>(
        std::chrono::system_clock::from_time_t(at));
    if (tp > now) {
      return tp;
    }
  }
}

std::optional<int> parse_time_of_day(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') {
    return std::nullopt;
  }
  for (const std::size_t i : {0U, 1U, 3U, 4U}) {
    if (text[i] < '0' || text[i] > '9') {
      return std::nullopt;
    }
  }
  const int hour = (text[0] - '0') * 10 + (text[1] - '0');
  const int minute = (text[3] - '0') * 10 + (text[4] - '0');
  if (hour > 23 || minute > 59) {
    return std::nullopt;
  }
  return hour * 60 + minute;
}

bool JobContext::stop_requested() const {
  const std::lock_guard lock(mutex_);
  return stop_ || std::chrono::steady_clock::now() >= deadline_;
}

bool JobContext::sleep_for(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  const auto until = std::min(deadline_, std::chrono::steady_clock::now() + duration);
  wake_.wait_until(lock, until, [this] { return stop_; });
  return !stop_ && std::chrono::steady_clock::now() < deadline_;
}

void JobContext::request_stop() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
}

}  // namespace tiket::jobs
