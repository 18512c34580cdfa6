#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "db/pool.hpp"

namespace tiket::auth {

enum class CodeCheck { ok, wrong, missing, locked };

// Six-digit one-time login codes. Only an HMAC-SHA256 of (user id, code) under a server key is
// stored, so a copy of the table does not reveal live codes. A code expires after `ttl`, works
// once, dies after `max_attempts` wrong guesses, and is replaced when a newer one is issued.
class LoginCodeStore {
 public:
  // `key` is at least 32 bytes of secret material.
  LoginCodeStore(db::Pool& pool, std::string key, std::chrono::seconds ttl, unsigned max_attempts);

  // Issues a fresh code for the user, replacing any earlier one, and returns it.
  std::string issue(std::int64_t user_id);

  // One transaction with the row locked, so two racing correct guesses cannot both succeed.
  CodeCheck verify(std::int64_t user_id, std::string_view code);

  // Deletes codes past their expiry (used ones are deleted on use); for the purge job.
  std::uint64_t purge_expired();

  std::string keyed_hash(std::int64_t user_id, std::string_view code) const;

 private:
  db::Pool& pool_;
  std::string key_;
  std::chrono::seconds ttl_;
  unsigned max_attempts_;
};

}  // namespace tiket::auth
