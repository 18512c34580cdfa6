#pragma once

#include <cppconn/exception.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <type_traits>

#include "core/backoff.hpp"
#include "core/errors.hpp"
#include "db/errors.hpp"
#include "db/pool.hpp"

namespace tiket::db {

// Process-wide retry counts, read by /metrics (tiket_db_transaction_retries_total).
struct TransactionStats {
  std::atomic<std::uint64_t> deadlock_retries{0};
  std::atomic<std::uint64_t> lock_wait_retries{0};
};

inline TransactionStats& transaction_stats() {
  static TransactionStats stats;
  return stats;
}

struct TransactionOptions {
  unsigned max_attempts = 5;
  core::BackoffPolicy backoff{std::chrono::milliseconds(5), std::chrono::milliseconds(200)};
};

// Runs `work(conn)` inside one transaction and commits. On deadlock (1213) the server has
// already rolled the whole transaction back; on lock wait timeout (1205) only the statement
// was undone. Either way we roll back, wait a jittered backoff and run the whole unit again,
// so `work` must not have effects outside the database. Any other error rolls back and
// propagates. Returns what `work` returns.
template <typename F>
auto transaction(Pool& pool, F&& work, const TransactionOptions& options = {})
    -> decltype(work(std::declval<Connection&>())) {
  for (unsigned attempt = 1;; ++attempt) {
    auto lease = pool.acquire();
    try {
      lease->begin();
      if constexpr (std::is_void_v<decltype(work(*lease))>) {
        work(*lease);
        lease->commit();
        return;
      } else {
        auto result = work(*lease);
        lease->commit();
        return result;
      }
    } catch (const sql::SQLException& e) {
      const int code = e.getErrorCode();
      try {
        lease->rollback();
      } catch (const sql::SQLException&) {
        lease.mark_broken();
      }
      if (is_connection_error(code)) {
        lease.mark_broken();
      }
      if (!is_retryable_transaction_error(code)) {
        throw;
      }
      if (attempt >= options.max_attempts) {
        // Contention, not a fault: the client may simply try again.
        throw core::AppError::unavailable("The database is busy; retry shortly.", 1);
      }
      (code == kErrDeadlock ? transaction_stats().deadlock_retries
                            : transaction_stats().lock_wait_retries)
          .fetch_add(1, std::memory_order_relaxed);
    } catch (...) {
      try {
        lease->rollback();
      } catch (const sql::SQLException&) {
        lease.mark_broken();
      }
      throw;
    }
    // Give the connection back before sleeping so that the winner of the conflict can use it.
    { [[maybe_unused]] auto released = std::move(lease); }
    std::this_thread::sleep_for(
        core::backoff_delay(attempt - 1, options.backoff, core::fast_random()));
  }
}

}  // namespace tiket::db
