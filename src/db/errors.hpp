#pragma once

namespace tiket::db {

// MySQL/MariaDB server error codes the data layer reacts to.
inline constexpr int kErrLockWaitTimeout = 1205;
inline constexpr int kErrDeadlock = 1213;
inline constexpr int kErrDuplicateKey = 1062;

// A transaction that failed on one of these may succeed if run again from the start.
constexpr bool is_retryable_transaction_error(int code) {
  return code == kErrDeadlock || code == kErrLockWaitTimeout;
}

// Client-side errors (2000-2999: CR_SERVER_GONE_ERROR 2006, CR_SERVER_LOST 2013, ...) and a
// server that is shutting down (1053) leave the connection unusable: drop it from the pool.
constexpr bool is_connection_error(int code) {
  return (code >= 2000 && code < 3000) || code == 1053 || code == 1927;
}

}  // namespace tiket::db
