#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "db/pool.hpp"

namespace tiket::auth {

// 256 random bits, base64url without padding (43 characters).
std::string random_token();

enum class RotateOutcome { rotated, unknown, expired, revoked, reused };

struct RotateResult {
  RotateOutcome outcome = RotateOutcome::unknown;
  std::int64_t user_id = 0;
  std::string token;  // the new token when rotated
};

// Opaque refresh tokens, stored as SHA-256 hashes. Each use rotates the token inside its
// family; a token that was already rotated and is presented again means it was copied, so the
// whole family is revoked (RFC 9700 §4.14.2, "refresh token rotation").
class RefreshTokenStore {
 public:
  RefreshTokenStore(db::Pool& pool, std::chrono::seconds ttl);

  // A new family (a login) and its first token.
  std::string start_family(std::int64_t user_id);

  // One transaction: the presented token is locked, checked and replaced.
  RotateResult rotate(const std::string& token);

  // Logout: revokes the family the token belongs to. Unknown tokens are ignored.
  void revoke_family_of(const std::string& token);

  // Password change, disabled user: every family of the user.
  void revoke_user(std::int64_t user_id);

  // Deletes tokens past their expiry, which no request can use any more; for the purge job.
  std::uint64_t purge_expired();

 private:
  std::string insert(db::Connection& conn, std::int64_t user_id, const std::string& family);

  db::Pool& pool_;
  std::chrono::seconds ttl_;
};

}  // namespace tiket::auth
