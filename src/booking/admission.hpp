#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

namespace tiket::booking {

// Bounded admission (ADR 0018): at most `max_in_flight` holders at once; the others wait in
// arrival order (FIFO, a freed slot is handed to the oldest waiter, never taken by a newcomer),
// at most `max_waiting` of them; beyond that enter() says no at once and the caller answers
// 503 with Retry-After. max_in_flight 0: no bound (every caller enters at once). Thread-safe.
class AdmissionGate {
 public:
  AdmissionGate(std::size_t max_in_flight, std::size_t max_waiting);
  AdmissionGate(const AdmissionGate&) = delete;
  AdmissionGate& operator=(const AdmissionGate&) = delete;

  // Holds one slot until destroyed.
  class Permit {
   public:
    Permit(Permit&& other) noexcept;
    Permit& operator=(Permit&&) = delete;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit();

   private:
    friend class AdmissionGate;
    explicit Permit(AdmissionGate* gate) : gate_(gate) {}
    AdmissionGate* gate_;
  };

  // A slot, after waiting for it in line if all are taken; nullopt when the line is full.
  std::optional<Permit> enter();

  std::size_t in_flight() const;
  std::size_t waiting() const;

 private:
  struct Waiter {
    std::condition_variable admitted_cv;
    bool admitted = false;
  };

  void leave();

  const std::size_t max_in_flight_;
  const std::size_t max_waiting_;
  mutable std::mutex mutex_;
  std::size_t in_flight_ = 0;
  std::deque<Waiter*> line_;
};

}  // namespace tiket::booking
