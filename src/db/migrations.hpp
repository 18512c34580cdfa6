#pragma once

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "db/pool.hpp"

namespace tiket::db {

struct Migration {
  std::string version;  // "0001"
  std::string name;     // "0001_init.sql"
  std::string sql;
  std::string checksum;  // SHA-256 of the file's bytes, hex
};

class MigrationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads sql/migrations/NNNN_name.sql in version order. A file with another name shape or a
// version used twice is an error; other files (README.md) are ignored.
std::vector<Migration> load_migrations(const std::filesystem::path& dir);

// Splits a script into statements on ';', skipping comments and respecting quotes.
// DELIMITER blocks (stored procedures) are not supported, by design.
std::vector<std::string> split_sql_statements(std::string_view script);

struct MigrationResult {
  std::vector<std::string> applied;  // names applied by this run
  std::size_t already_applied = 0;
};

// Applies pending migrations in order under GET_LOCK, so that concurrent runners apply each
// file exactly once. Refuses (MigrationError) when an applied file has since been edited.
MigrationResult apply_migrations(Connection& conn, const std::vector<Migration>& migrations,
                                 std::chrono::seconds lock_timeout = std::chrono::seconds(60));

// True when every migration is recorded with a matching checksum (readiness).
bool migrations_current(Connection& conn, const std::vector<Migration>& migrations);

}  // namespace tiket::db
