#include "http/request_counter.hpp"

namespace tiket::http {

void RequestCounter::count(std::optional<std::int64_t> user_id,
                           std::chrono::system_clock::time_point now) {
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const std::int64_t hour = seconds - seconds % 3600;
  const std::lock_guard lock(mutex_);
  add(hour, user_id.value_or(0), 1);
}

void RequestCounter::add(std::int64_t hour, std::int64_t user, std::int64_t n) {
  const auto key = std::make_pair(hour, user);
  const auto it = cells_.find(key);
  if (it != cells_.end()) {
    it->second += n;
  } else if (cells_.size() < max_cells_) {
    cells_.emplace(key, n);
  } else {
    dropped_ += static_cast<std::uint64_t>(n);
  }
}

std::vector<RequestCounter::Cell> RequestCounter::take() {
  std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> taken;
  {
    const std::lock_guard lock(mutex_);
    taken.swap(cells_);
  }
  std::vector<Cell> out;
  out.reserve(taken.size());
  for (const auto& [key, n] : taken) {
    out.push_back({key.first, key.second, n});
  }
  return out;
}

void RequestCounter::give_back(const std::vector<Cell>& cells) {
  const std::lock_guard lock(mutex_);
  for (const auto& c : cells) {
    add(c.hour_epoch, c.user_id, c.requests);
  }
}

std::size_t RequestCounter::cells() const {
  const std::lock_guard lock(mutex_);
  return cells_.size();
}

std::uint64_t RequestCounter::dropped() const {
  const std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace tiket::http
