#include "booking/admission.hpp"

namespace tiket::booking {

AdmissionGate::AdmissionGate(std::size_t max_in_flight, std::size_t max_waiting)
    : max_in_flight_(max_in_flight), max_waiting_(max_waiting) {}

AdmissionGate::Permit::Permit(Permit&& other) noexcept : gate_(other.gate_) {
  other.gate_ = nullptr;
}

AdmissionGate::Permit::~Permit() {
  if (gate_ != nullptr) {
    gate_->leave();
  }
}

std::optional<AdmissionGate::Permit> AdmissionGate::enter() {
  std::unique_lock lock(mutex_);
  if (max_in_flight_ == 0 || (in_flight_ < max_in_flight_ && line_.empty())) {
    ++in_flight_;
    return Permit(this);
  }
  if (line_.size() >= max_waiting_) {
    return std::nullopt;
  }
  Waiter me;
  line_.push_back(&me);
  // leave() counts the slot as still taken and hands it over, so a newcomer cannot slip in.
  me.admitted_cv.wait(lock, [&] { return me.admitted; });
  return Permit(this);
}

void AdmissionGate::leave() {
  const std::lock_guard lock(mutex_);
  if (line_.empty()) {
    --in_flight_;
    return;
  }
  Waiter* next = line_.front();
  line_.pop_front();
  next->admitted = true;
  next->admitted_cv.notify_one();
}

std::size_t AdmissionGate::in_flight() const {
  const std::lock_guard lock(mutex_);
  return in_flight_;
}

std::size_t AdmissionGate::waiting() const {
  const std::lock_guard lock(mutex_);
  return line_.size();
}

}  // namespace tiket::booking
