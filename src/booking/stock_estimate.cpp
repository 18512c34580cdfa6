#include "booking/stock_estimate.hpp"

#include <algorithm>

#include "booking/service.hpp"

namespace tiket::booking {

StockVerdict StockEstimate::check(const BookingRequest& request, Clock::time_point now) {
  StockVerdict verdict;
  if (!enabled()) {
    return verdict;
  }
  std::vector<std::int64_t> aging;
  {
    const std::shared_lock lock(mutex_);
    for (const auto& item : request.items) {
      const auto it = entries_.find(item.ticket_type_id);
      if (it == entries_.end()) {
        continue;
      }
      const Entry& e = it->second;
      const auto age = now - e.read_at;
      if (age >= bound_ || e.reading.concert_id != request.concert_id || !e.reading.open) {
        continue;  // too old to say no, or the database must give its own answer
      }
      // A request over the type's per-user limit gets the limit's answer from the database.
      const bool over_limit = e.reading.per_user_limit && item.quantity > *e.reading.per_user_limit;
      if (!over_limit && e.reading.available < item.quantity && !verdict.short_type) {
        verdict.short_type = item.ticket_type_id;
      }
      if (age * 2 >= bound_ && !e.refreshing) {
        aging.push_back(item.ticket_type_id);
      }
    }
  }
  if (!aging.empty()) {
    const std::unique_lock lock(mutex_);
    for (const auto id : aging) {
      const auto it = entries_.find(id);
      if (it != entries_.end() && !it->second.refreshing) {
        it->second.refreshing = true;
        verdict.refresh.push_back(id);
      }
    }
  }
  return verdict;
}

void StockEstimate::learn(const std::vector<StockReading>& readings, Clock::time_point read_at) {
  if (!enabled()) {
    return;
  }
  const std::unique_lock lock(mutex_);
  for (const auto& reading : readings) {
    if (!reading.open) {
      entries_.erase(reading.ticket_type_id);
      continue;
    }
    auto& e = entries_[reading.ticket_type_id];
    // A later reading never gives way to an earlier one that finished after it.
    if (e.reading.ticket_type_id == 0 || read_at >= e.read_at) {
      e.reading = reading;
      e.read_at = read_at;
    }
    e.refreshing = false;
  }
}

void StockEstimate::unclaim(const std::vector<std::int64_t>& ticket_type_ids) {
  const std::unique_lock lock(mutex_);
  for (const auto id : ticket_type_ids) {
    const auto it = entries_.find(id);
    if (it != entries_.end()) {
      it->second.refreshing = false;
    }
  }
}

void StockEstimate::forget_concert(std::int64_t concert_id) {
  if (!enabled()) {
    return;
  }
  const std::unique_lock lock(mutex_);
  std::erase_if(entries_,
                [&](const auto& kv) { return kv.second.reading.concert_id == concert_id; });
}

std::size_t StockEstimate::size() const {
  const std::shared_lock lock(mutex_);
  return entries_.size();
}

}  // namespace tiket::booking
