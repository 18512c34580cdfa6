#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace tiket::test {

// A TCP forwarder between the service and the database that a test can cut and restore:
// cut() drops every connection and closes new ones at once (like a DB host going away),
// restore() forwards again. The database itself is never touched, so other tests
// sharing the server are unaffected.
class FaultProxy {
 public:
  FaultProxy(std::string target_host, std::uint16_t target_port);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;
  FaultProxy(FaultProxy&&) = delete;
  FaultProxy& operator=(FaultProxy&&) = delete;

  std::uint16_t port() const { return port_; }
  void cut();
  void restore();

 private:
  void run();
  void wait_applied();

  std::string target_host_;
  std::uint16_t target_port_;
  std::uint16_t port_ = 0;
  std::atomic<bool> want_open_{true};
  std::atomic<bool> is_open_{false};
  std::atomic<bool> stop_{false};
  int listener_ = -1;
  std::thread thread_;
};

}  // namespace tiket::test
