#pragma once

#include <chrono>
#include <thread>

namespace tiket::test {

// Waits (up to 30 s) until `done` holds; the test then asserts it. For tests with real threads:
// they wait for a state, never for a length of time.
template <typename F>
void wait_for(F done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace tiket::test
