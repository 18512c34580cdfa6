#include "auth/login_codes.hpp"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>

#include "db/transaction.hpp"

namespace tiket::auth {

LoginCodeStore::LoginCodeStore(db::Pool& pool, std::string key, std::chrono::seconds ttl,
                               unsigned max_attempts)
    : pool_(pool), key_(std::move(key)), ttl_(ttl), max_attempts_(max_attempts) {
  if (key_.size() < 32) {
    throw std::invalid_argument("login code key must be at least 32 bytes");
  }
}

std::string LoginCodeStore::keyed_hash(std::int64_t user_id, std::string_view code) const {
  const auto message = std::to_string(user_id) + ":" + std::string(code);
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key_.data()),
                              key_.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  std::string hex(mac.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), mac.data(), mac.size());
  hex.pop_back();
  return hex;
}

std::string LoginCodeStore::issue(std::int64_t user_id) {
  // Uniform over 000000..999999 (randombytes_uniform avoids modulo bias).
  const auto n = randombytes_uniform(1'000'000);
  std::string code = std::to_string(n);
  code.insert(0, 6 - code.size(), '0');
  db::with_connection(pool_, [&](db::Connection& conn) {
    auto& stmt = conn.prepare(
        "INSERT INTO login_codes (user_id, code_hash, expires_at, failed_attempts) "
        "VALUES (?, ?, UTC_TIMESTAMP(6) + INTERVAL ? SECOND, 0) "
        "ON DUPLICATE KEY UPDATE code_hash = VALUES(code_hash), "
        "expires_at = VALUES(expires_at), failed_attempts = 0, created_at = UTC_TIMESTAMP(6)");
    stmt.setInt64(1, user_id);
    stmt.setString(2, keyed_hash(user_id, code));
    stmt.setInt64(3, ttl_.count());
    stmt.executeUpdate();
  });
  return code;
}

CodeCheck LoginCodeStore::verify(std::int64_t user_id, std::string_view code) {
  const bool well_formed = code.size() == 6 && std::all_of(code.begin(), code.end(), [](char c) {
                             return c >= '0' && c <= '9';
                           });
  const auto candidate = keyed_hash(user_id, code);
  return db::transaction(pool_, [&](db::Connection& conn) {
    auto& find = conn.prepare(
        "SELECT code_hash, expires_at < UTC_TIMESTAMP(6) AS expired, failed_attempts "
        "FROM login_codes WHERE user_id = ? FOR UPDATE");
    find.setInt64(1, user_id);
    const std::unique_ptr<sql::ResultSet> rs(find.executeQuery());
    if (!rs->next()) {
      return CodeCheck::missing;
    }
    const std::string stored = rs->getString("code_hash");
    const bool expired = rs->getBoolean("expired");
    const auto failed = rs->getUInt("failed_attempts");
    auto& remove = conn.prepare("DELETE FROM login_codes WHERE user_id = ?");
    remove.setInt64(1, user_id);
    if (expired) {
      remove.executeUpdate();
      return CodeCheck::missing;
    }
    const bool match = well_formed && stored.size() == candidate.size() &&
                       sodium_memcmp(stored.data(), candidate.data(), stored.size()) == 0;
    if (match) {
      remove.executeUpdate();  // works once
      return CodeCheck::ok;
    }
    if (failed + 1 >= max_attempts_) {
      remove.executeUpdate();  // dies after the last allowed wrong guess
      return CodeCheck::locked;
    }
    auto& bump = conn.prepare(
        "UPDATE login_codes SET failed_attempts = failed_attempts + 1 WHERE user_id = ?");
    bump.setInt64(1, user_id);
    bump.executeUpdate();
    return CodeCheck::wrong;
  });
}

std::uint64_t LoginCodeStore::purge_expired() {
  return db::with_connection(pool_, [&](db::Connection& conn) {
    auto& stmt = conn.prepare("DELETE FROM login_codes WHERE expires_at < UTC_TIMESTAMP(6)");
    return static_cast<std::uint64_t>(stmt.executeUpdate());
  });
}

}  // namespace tiket::auth
