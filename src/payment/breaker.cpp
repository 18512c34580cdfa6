#include "payment/breaker.hpp"

#include <algorithm>

namespace tiket::payment {

CircuitBreaker::CircuitBreaker(unsigned failures, std::chrono::milliseconds cooldown, Clock clock)
    : threshold_(std::max(1U, failures)), cooldown_(cooldown), clock_(std::move(clock)) {}

bool CircuitBreaker::allow() {
  const std::lock_guard lock(mutex_);
  switch (state_) {
    case State::closed:
      return true;
    case State::open:
      if (clock_() < open_until_) {
        return false;
      }
      state_ = State::half_open;
      probe_in_flight_ = true;
      return true;
    case State::half_open:
      if (probe_in_flight_) {
        return false;
      }
      probe_in_flight_ = true;
      return true;
  }
  return false;
}

void CircuitBreaker::record_success() {
  const std::lock_guard lock(mutex_);
  state_ = State::closed;
  consecutive_failures_ = 0;
  probe_in_flight_ = false;
}

void CircuitBreaker::record_failure() {
  const std::lock_guard lock(mutex_);
  if (state_ == State::half_open) {
    open_locked();
    return;
  }
  if (state_ == State::closed && ++consecutive_failures_ >= threshold_) {
    open_locked();
  }
}

void CircuitBreaker::open_locked() {
  state_ = State::open;
  probe_in_flight_ = false;
  consecutive_failures_ = 0;
  open_until_ = clock_() + cooldown_;
  ++opened_;
}

CircuitBreaker::State CircuitBreaker::state() const {
  const std::lock_guard lock(mutex_);
  return state_;
}

int CircuitBreaker::retry_after_seconds() const {
  const std::lock_guard lock(mutex_);
  const auto left = std::chrono::ceil<std::chrono::seconds>(open_until_ - clock_()).count();
  return static_cast<int>(std::max<std::int64_t>(1, left));
}

std::uint64_t CircuitBreaker::times_opened() const {
  const std::lock_guard lock(mutex_);
  return opened_;
}

}  // namespace tiket::payment
