#include "users/repository.hpp"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "core/errors.hpp"
#include "db/errors.hpp"

namespace tiket::users {

namespace {

// created_at is DATETIME(6) in UTC (the pool sets time_zone '+00:00').
constexpr const char* kColumns =
    "id, email, name, password_hash, role, status, "
    "DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ') AS created_at";

User read_user(sql::ResultSet& rs) {
  User u;
  u.id = static_cast<std::int64_t>(rs.getInt64("id"));
  u.email = rs.getString("email");
  u.name = rs.getString("name");
  u.password_hash = rs.getString("password_hash");
  // An unknown value is a broken row (or a newer schema), never a default: guessing "customer"
  // or "disabled" would silently change what the account may do. It surfaces as a 500.
  const std::string role(rs.getString("role"));
  const std::string status(rs.getString("status"));
  const auto parsed_role = identity::parse_role(role);
  const auto parsed_status = parse_status(status);
  if (!parsed_role || !parsed_status) {
    throw std::runtime_error("users row " + std::to_string(u.id) + " has an unknown role '" + role +
                             "' or status '" + status + "'");
  }
  u.role = *parsed_role;
  u.status = *parsed_status;
  u.created_at = rs.getString("created_at");
  return u;
}

std::optional<User> first(sql::PreparedStatement& stmt) {
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) {
    return std::nullopt;
  }
  return read_user(*rs);
}

}  // namespace

std::optional<User> UserRepository::find_by_email(db::Connection& conn,
                                                  const std::string& email) const {
  auto& stmt = conn.prepare(std::string("SELECT ") + kColumns + " FROM users WHERE email = ?");
  stmt.setString(1, email);
  return first(stmt);
}

std::optional<User> UserRepository::find_by_id(db::Connection& conn, std::int64_t id,
                                               bool for_update) const {
  auto& stmt = conn.prepare(std::string("SELECT ") + kColumns + " FROM users WHERE id = ?" +
                            (for_update ? " FOR UPDATE" : ""));
  stmt.setInt64(1, id);
  return first(stmt);
}

std::optional<std::int64_t> UserRepository::insert(db::Connection& conn,
                                                   const NewUser& user) const {
  auto& stmt =
      conn.prepare("INSERT INTO users (email, name, password_hash, role) VALUES (?, ?, ?, ?)");
  stmt.setString(1, user.email);
  stmt.setString(2, user.name);
  stmt.setString(3, user.password_hash);
  stmt.setString(4, std::string(identity::to_string(user.role)));
  try {
    stmt.executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() == db::kErrDuplicateKey) {  // uq_users_email: the email is taken
      return std::nullopt;
    }
    throw;
  }
  return conn.last_insert_id();
}

void UserRepository::update(db::Connection& conn, std::int64_t id,
                            const UserChanges& changes) const {
  // One statement per column keeps every statement a fixed, cacheable text.
  if (changes.name) {
    auto& stmt = conn.prepare("UPDATE users SET name = ? WHERE id = ?");
    stmt.setString(1, *changes.name);
    stmt.setInt64(2, id);
    stmt.executeUpdate();
  }
  if (changes.password_hash) {
    auto& stmt = conn.prepare("UPDATE users SET password_hash = ? WHERE id = ?");
    stmt.setString(1, *changes.password_hash);
    stmt.setInt64(2, id);
    stmt.executeUpdate();
  }
  if (changes.role) {
    auto& stmt = conn.prepare("UPDATE users SET role = ? WHERE id = ?");
    stmt.setString(1, std::string(identity::to_string(*changes.role)));
    stmt.setInt64(2, id);
    stmt.executeUpdate();
  }
  if (changes.status) {
    auto& stmt = conn.prepare("UPDATE users SET status = ? WHERE id = ?");
    stmt.setString(1, std::string(to_string(*changes.status)));
    stmt.setInt64(2, id);
    stmt.executeUpdate();
  }
}

std::vector<User> UserRepository::list(db::Connection& conn, std::int64_t after_id, unsigned limit,
                                       std::optional<identity::Role> role) const {
  sql::PreparedStatement* stmt = nullptr;
  if (role) {
    stmt = &conn.prepare(std::string("SELECT ") + kColumns +
                         " FROM users WHERE role = ? AND id > ? ORDER BY id LIMIT ?");
    stmt->setString(1, std::string(identity::to_string(*role)));
    stmt->setInt64(2, after_id);
    stmt->setUInt(3, limit);
  } else {
    stmt = &conn.prepare(std::string("SELECT ") + kColumns +
                         " FROM users WHERE id > ? ORDER BY id LIMIT ?");
    stmt->setInt64(1, after_id);
    stmt->setUInt(2, limit);
  }
  const std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
  std::vector<User> out;
  while (rs->next()) {
    out.push_back(read_user(*rs));
  }
  return out;
}

}  // namespace tiket::users
