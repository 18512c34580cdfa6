#pragma once

#include <sodium.h>

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

namespace tiket::identity {

struct PasswordHasherOptions {
  // Each argon2id call takes `memlimit` bytes (64 MiB at the INTERACTIVE preset): the cap on
  // concurrent calls is what keeps a burst of logins from exhausting memory.
  unsigned max_concurrent = 2;
  unsigned long long opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
  std::size_t memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
};

// argon2id through libsodium's crypto_pwhash_str. Blocking: call it on the worker pool.
// Thread-safe. sodium_init() must have been called.
class PasswordHasher {
 public:
  explicit PasswordHasher(PasswordHasherOptions options = {});

  // The encoded hash ($argon2id$v=19$m=...,t=...,p=...$salt$hash). Waits while the cap is reached.
  std::string hash(std::string_view password);

  // Constant-time check; false for a malformed hash.
  bool verify(std::string_view encoded_hash, std::string_view password);

  // True when the hash was made with other parameters than the current ones (rehash on login).
  bool needs_rehash(std::string_view encoded_hash) const;

  // Runs a verification against a fixed hash with the same cost, so that a login for an unknown
  // email takes as long as one with a wrong password (no user enumeration by timing).
  void dummy_verify(std::string_view password);

  // The highest number of hashes that ran at the same time since start (tests, metrics).
  unsigned peak_concurrency() const;

 private:
  class Slot;
  PasswordHasherOptions options_;
  std::string dummy_hash_;
  mutable std::mutex mutex_;
  std::condition_variable free_;
  unsigned running_ = 0;
  unsigned peak_ = 0;
};

}  // namespace tiket::identity
