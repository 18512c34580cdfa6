#include "db/migrations.hpp"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "core/logging.hpp"
#include "core/sha256.hpp"

namespace tiket::db {

namespace {

constexpr std::string_view kLockName = "tiket.schema_migrations";

bool is_migration_name(const std::string& file) {
  // NNNN_name.sql: four or more digits, an underscore, a name, .sql
  if (!file.ends_with(".sql")) {
    return false;
  }
  const auto underscore = file.find('_');
  if (underscore == std::string::npos || underscore < 4 || underscore + 5 >= file.size()) {
    return false;
  }
  return std::all_of(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(underscore),
                     [](char c) { return c >= '0' && c <= '9'; });
}

std::map<std::string, std::string> applied_checksums(Connection& conn) {
  std::map<std::string, std::string> out;
  auto& stmt = conn.prepare("SELECT version, checksum FROM schema_migrations");
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  while (rs->next()) {
    out.emplace(rs->getString(1), rs->getString(2));
  }
  return out;
}

// GET_LOCK is per connection; this releases it however apply_migrations leaves.
class NamedLock {
 public:
  NamedLock(Connection& conn, std::chrono::seconds timeout) : conn_(conn) {
    auto& stmt = conn_.prepare("SELECT GET_LOCK(?, ?)");
    stmt.setString(1, std::string(kLockName));
    stmt.setInt(2, static_cast<int>(timeout.count()));
    const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    if (!rs->next() || rs->isNull(1) || rs->getInt(1) != 1) {
      throw MigrationError("could not take the migration lock within " +
                           std::to_string(timeout.count()) + " s (another runner holds it)");
    }
  }
  ~NamedLock() {
    try {
      auto& stmt = conn_.prepare("SELECT RELEASE_LOCK(?)");
      stmt.setString(1, std::string(kLockName));
      const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    } catch (const sql::SQLException&) {
      // The lock dies with the connection anyway.
    }
  }
  NamedLock(const NamedLock&) = delete;
  NamedLock& operator=(const NamedLock&) = delete;
  NamedLock(NamedLock&&) = delete;
  NamedLock& operator=(NamedLock&&) = delete;

 private:
  Connection& conn_;
};

}  // namespace

std::vector<Migration> load_migrations(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) {
    throw MigrationError("migrations directory not found: " + dir.string());
  }
  std::vector<Migration> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const auto file = entry.path().filename().string();
    if (!entry.is_regular_file() || !file.ends_with(".sql")) {
      continue;
    }
    if (!is_migration_name(file)) {
      throw MigrationError("migration file name must look like NNNN_name.sql: " + file);
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    Migration m;
    m.version = file.substr(0, file.find('_'));
    m.name = file;
    m.sql = content.str();
    m.checksum = core::sha256_hex(m.sql);
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(), [](const Migration& a, const Migration& b) {
    return a.version.size() != b.version.size() ? a.version.size() < b.version.size()
                                                : a.version < b.version;
  });
  for (std::size_t i = 1; i < out.size(); ++i) {
    if (out[i].version == out[i - 1].version) {
      throw MigrationError("two migrations share version " + out[i].version + ": " +
                           out[i - 1].name + " and " + out[i].name);
    }
  }
  return out;
}

std::vector<std::string> split_sql_statements(std::string_view script) {
  std::vector<std::string> out;
  std::string current;
  auto flush = [&] {
    const auto first = current.find_first_not_of(" \t\r\n");
    if (first != std::string::npos) {
      const auto last = current.find_last_not_of(" \t\r\n");
      out.push_back(current.substr(first, last - first + 1));
    }
    current.clear();
  };
  for (std::size_t i = 0; i < script.size(); ++i) {
    const char c = script[i];
    const char next = i + 1 < script.size() ? script[i + 1] : '\0';
    if ((c == '-' && next == '-') || c == '#') {
      // Line comment ("-- " in MySQL needs a space after, but "--" at end of line is common too).
      while (i < script.size() && script[i] != '\n') {
        ++i;
      }
      current += '\n';
      continue;
    }
    if (c == '/' && next == '*') {
      const auto end = script.find("*/", i + 2);
      i = end == std::string_view::npos ? script.size() : end + 1;
      current += ' ';
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') {
      current += c;
      for (++i; i < script.size(); ++i) {
        current += script[i];
        if (script[i] == '\\' && c != '`' && i + 1 < script.size()) {
          current += script[++i];
        } else if (script[i] == c) {
          if (i + 1 < script.size() && script[i + 1] == c) {  // doubled quote
            current += script[++i];
          } else {
            break;
          }
        }
      }
      continue;
    }
    if (c == ';') {
      flush();
      continue;
    }
    current += c;
  }
  flush();
  return out;
}

MigrationResult apply_migrations(Connection& conn, const std::vector<Migration>& migrations,
                                 std::chrono::seconds lock_timeout) {
  const NamedLock lock(conn, lock_timeout);
  conn.execute(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version VARCHAR(32) NOT NULL PRIMARY KEY,"
      " name VARCHAR(255) NOT NULL,"
      " checksum CHAR(64) NOT NULL,"
      " applied_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
      " execution_ms INT NOT NULL"
      ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");

  const auto applied = applied_checksums(conn);
  // Check every applied file before running anything new: history must not have changed.
  for (const auto& m : migrations) {
    const auto it = applied.find(m.version);
    if (it != applied.end() && it->second != m.checksum) {
      throw MigrationError("migration " + m.name +
                           " was edited after it was applied (recorded checksum " +
                           it->second.substr(0, 12) + ", file now " + m.checksum.substr(0, 12) +
                           "); restore the file and add a new migration instead");
    }
  }

  MigrationResult result;
  for (const auto& m : migrations) {
    if (applied.contains(m.version)) {
      ++result.already_applied;
      continue;
    }
    const auto started = std::chrono::steady_clock::now();
    const auto statements = split_sql_statements(m.sql);
    for (std::size_t i = 0; i < statements.size(); ++i) {
      try {
        conn.execute(statements[i]);
      } catch (const sql::SQLException& e) {
        // MySQL commits DDL implicitly, so a half-applied file cannot be rolled back; it is
        // not recorded, and the message says where it stopped.
        throw MigrationError("migration " + m.name + " failed at statement " +
                             std::to_string(i + 1) + " of " + std::to_string(statements.size()) +
                             ": " + e.what());
      }
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    auto& record = conn.prepare(
        "INSERT INTO schema_migrations (version, name, checksum, execution_ms) VALUES (?, ?, ?, "
        "?)");
    record.setString(1, m.version);
    record.setString(2, m.name);
    record.setString(3, m.checksum);
    record.setInt(4, static_cast<int>(ms));
    record.executeUpdate();
    core::log::info("migration applied", {{"migration", m.name}, {"duration_ms", ms}});
    result.applied.push_back(m.name);
  }
  return result;
}

bool migrations_current(Connection& conn, const std::vector<Migration>& migrations) {
  std::map<std::string, std::string> applied;
  try {
    applied = applied_checksums(conn);
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() == 1146) {  // ER_NO_SUCH_TABLE: nothing applied yet
      return migrations.empty();
    }
    throw;
  }
  return std::all_of(migrations.begin(), migrations.end(), [&](const Migration& m) {
    const auto it = applied.find(m.version);
    return it != applied.end() && it->second == m.checksum;
  });
}

}  // namespace tiket::db
