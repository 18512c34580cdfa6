#include "auth/refresh_tokens.hpp"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <sodium.h>

#include <array>
#include <memory>

#include "core/secrets.hpp"
#include "core/sha256.hpp"
#include "db/transaction.hpp"

namespace tiket::auth {

std::string random_token() {
  std::array<unsigned char, 32> raw{};
  randombytes_buf(raw.data(), raw.size());
  std::string out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), raw.data(), raw.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  sodium_memzero(raw.data(), raw.size());
  return out;
}

RefreshTokenStore::RefreshTokenStore(db::Pool& pool, std::chrono::seconds ttl)
    : pool_(pool), ttl_(ttl) {}

std::string RefreshTokenStore::insert(db::Connection& conn, std::int64_t user_id,
                                      const std::string& family) {
  auto token = random_token();
  auto& stmt = conn.prepare(
      "INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at) "
      "VALUES (?, ?, ?, UTC_TIMESTAMP(6) + INTERVAL ? SECOND)");
  stmt.setInt64(1, user_id);
  stmt.setString(2, family);
  stmt.setString(3, core::sha256_hex(token));
  stmt.setInt64(4, ttl_.count());
  stmt.executeUpdate();
  return token;
}

std::string RefreshTokenStore::start_family(std::int64_t user_id) {
  return db::with_connection(
      pool_, [&](db::Connection& conn) { return insert(conn, user_id, core::random_hex(16)); });
}

RotateResult RefreshTokenStore::rotate(const std::string& token) {
  if (token.empty() || token.size() > 128) {
    return {};
  }
  const auto hash = core::sha256_hex(token);
  // The outcome is decided and written in one transaction; a reuse revocation must commit even
  // though the caller then answers 401, so the lambda returns instead of throwing.
  return db::transaction(pool_, [&](db::Connection& conn) {
    auto& find = conn.prepare(
        "SELECT id, user_id, family_id, expires_at < UTC_TIMESTAMP(6) AS expired, "
        "rotated_at IS NOT NULL AS rotated, revoked_at IS NOT NULL AS revoked "
        "FROM refresh_tokens WHERE token_hash = ? FOR UPDATE");
    find.setString(1, hash);
    const std::unique_ptr<sql::ResultSet> rs(find.executeQuery());
    RotateResult result;
    if (!rs->next()) {
      return result;
    }
    const auto id = static_cast<std::int64_t>(rs->getInt64("id"));
    result.user_id = static_cast<std::int64_t>(rs->getInt64("user_id"));
    const std::string family = rs->getString("family_id");
    if (rs->getBoolean("revoked")) {
      result.outcome = RotateOutcome::revoked;
      return result;
    }
    if (rs->getBoolean("rotated")) {
      auto& revoke = conn.prepare(
          "UPDATE refresh_tokens SET revoked_at = UTC_TIMESTAMP(6) "
          "WHERE family_id = ? AND revoked_at IS NULL");
      revoke.setString(1, family);
      revoke.executeUpdate();
      result.outcome = RotateOutcome::reused;
      return result;
    }
    if (rs->getBoolean("expired")) {
      result.outcome = RotateOutcome::expired;
      return result;
    }
    auto& mark =
        conn.prepare("UPDATE refresh_tokens SET rotated_at = UTC_TIMESTAMP(6) WHERE id = ?");
    mark.setInt64(1, id);
    mark.executeUpdate();
    result.token = insert(conn, result.user_id, family);
    result.outcome = RotateOutcome::rotated;
    return result;
  });
}

void RefreshTokenStore::revoke_family_of(const std::string& token) {
  if (token.empty() || token.size() > 128) {
    return;
  }
  db::with_connection(pool_, [&](db::Connection& conn) {
    auto& stmt = conn.prepare(
        "UPDATE refresh_tokens t JOIN refresh_tokens f ON f.family_id = t.family_id "
        "SET f.revoked_at = UTC_TIMESTAMP(6) WHERE t.token_hash = ? AND f.revoked_at IS NULL");
    stmt.setString(1, core::sha256_hex(token));
    stmt.executeUpdate();
  });
}

void RefreshTokenStore::revoke_user(std::int64_t user_id) {
  db::with_connection(pool_, [&](db::Connection& conn) {
    auto& stmt = conn.prepare(
        "UPDATE refresh_tokens SET revoked_at = UTC_TIMESTAMP(6) "
        "WHERE user_id = ? AND revoked_at IS NULL");
    stmt.setInt64(1, user_id);
    stmt.executeUpdate();
  });
}

std::uint64_t RefreshTokenStore::purge_expired() {
  return db::with_connection(pool_, [&](db::Connection& conn) {
    auto& stmt = conn.prepare("DELETE FROM refresh_tokens WHERE expires_at < UTC_TIMESTAMP(6)");
    return static_cast<std::uint64_t>(stmt.executeUpdate());
  });
}

}  // namespace tiket::auth
