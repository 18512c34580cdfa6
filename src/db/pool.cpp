#include "db/pool.hpp"

#include <cppconn/connection.h>
#include <cppconn/driver.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <algorithm>

#include "core/errors.hpp"
#include "core/logging.hpp"

namespace tiket::db {

Connection::Connection(std::unique_ptr<sql::Connection> conn)
    : last_used(std::chrono::steady_clock::now()), conn_(std::move(conn)) {}

Connection::~Connection() {
  statements_.clear();  // statements before their connection
  if (conn_) {
    try {
      conn_->close();
    } catch (const sql::SQLException&) {
      // Already gone; nothing to release.
    }
  }
}

sql::PreparedStatement& Connection::prepare(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    std::unique_ptr<sql::PreparedStatement> stmt(conn_->prepareStatement(sql));
    it = statements_.emplace(sql, std::move(stmt)).first;
  } else {
    it->second->clearParameters();
  }
  return *it->second;
}

void Connection::execute(const std::string& sql) {
  const std::unique_ptr<sql::Statement> stmt(conn_->createStatement());
  if (stmt->execute(sql)) {
    // Drain a result we do not want, or the connection stays busy ("commands out of sync").
    const std::unique_ptr<sql::ResultSet> rs(stmt->getResultSet());
  }
}

std::int64_t Connection::last_insert_id() {
  auto& stmt = prepare("SELECT LAST_INSERT_ID()");
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  rs->next();
  return static_cast<std::int64_t>(rs->getInt64(1));
}

std::string placeholder_list(std::size_t n) {
  std::string out = "?";
  for (std::size_t i = 1; i < n; ++i) {
    out += ", ?";
  }
  return out;
}

void query_in_chunks(Connection& conn, const std::string& sql_before, const std::string& sql_after,
                     const std::vector<std::int64_t>& ids,
                     const std::function<void(sql::ResultSet&)>& read) {
  for (std::size_t begin = 0; begin < ids.size(); begin += kMaxInList) {
    const std::size_t count = std::min(kMaxInList, ids.size() - begin);
    std::size_t slots = 1;
    while (slots < count) {
      slots *= 2;
    }
    std::string sql = sql_before;
    sql += placeholder_list(slots);
    sql += sql_after;
    auto& stmt = conn.prepare(sql);
    for (std::size_t i = 0; i < slots; ++i) {
      stmt.setInt64(static_cast<unsigned>(i + 1), ids[begin + std::min(i, count - 1)]);
    }
    const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    while (rs->next()) {
      read(*rs);
    }
  }
}

void Connection::begin() {
  conn_->setAutoCommit(false);
}

void Connection::commit() {
  conn_->commit();
  conn_->setAutoCommit(true);
}

void Connection::rollback() {
  conn_->rollback();
  conn_->setAutoCommit(true);
}

Lease::Lease(Pool& pool, std::unique_ptr<Connection> conn) : pool_(&pool), conn_(std::move(conn)) {}

Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), conn_(std::move(other.conn_)), broken_(other.broken_) {}

Lease::~Lease() {
  if (conn_) {
    pool_->release(std::move(conn_), broken_);
  }
}

Pool::Pool(sql::Driver& driver, PoolOptions options)
    : driver_(driver), options_(std::move(options)) {}

Pool::~Pool() {
  const std::lock_guard lock(mutex_);
  idle_.clear();
}

std::unique_ptr<Connection> Pool::connect() const {
  sql::ConnectOptionsMap opts;
  opts["hostName"] = options_.url.host;
  opts["userName"] = options_.url.user;
  opts["password"] = options_.url.password;
  opts["port"] = static_cast<int>(options_.url.port);
  opts["schema"] = options_.url.database;
  opts["OPT_CONNECT_TIMEOUT"] = static_cast<int>(options_.connect_timeout.count());
  opts["OPT_READ_TIMEOUT"] = static_cast<int>(options_.read_timeout.count());
  opts["OPT_WRITE_TIMEOUT"] = static_cast<int>(options_.read_timeout.count());
  // A silent reconnect would drop an open transaction and its locks (docs/libraries.md).
  opts["OPT_RECONNECT"] = false;
  opts["OPT_CHARSET_NAME"] = "utf8mb4";
  std::unique_ptr<sql::Connection> raw(driver_.connect(opts));
  auto conn = std::make_unique<Connection>(std::move(raw));
  // Store and compare times in UTC whatever the server's own zone is. A row-lock wait must
  // end (as 1205, which the transaction helper retries) before the client's read timeout
  // would cut the connection; the server default is 50 s.
  const auto lock_wait = std::max<long>(1, static_cast<long>(options_.read_timeout.count()) - 1);
  conn->execute("SET time_zone = '+00:00', innodb_lock_wait_timeout = " +
                std::to_string(lock_wait));
  // READ COMMITTED: a locking read of a row that is not there takes no gap lock, so two
  // customers' bookings cannot deadlock on the gap their idempotency keys fall into (ADR 0010).
  // Every correctness guarantee in this code comes from row locks and conditional updates,
  // never from a repeatable-read snapshot.
  conn->execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
  return conn;
}

Lease Pool::acquire() {
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + options_.wait;
  for (;;) {
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      ++in_use_;
      lock.unlock();
      const auto idle_for = std::chrono::steady_clock::now() - conn->last_used;
      bool valid = true;
      if (idle_for > options_.validate_after_idle) {
        try {
          valid = conn->raw().isValid();
        } catch (const sql::SQLException&) {
          valid = false;
        }
      }
      if (valid) {
        return {*this, std::move(conn)};
      }
      conn.reset();
      lock.lock();
      --in_use_;
      --open_;
      continue;
    }
    if (open_ < options_.size) {
      ++open_;
      ++in_use_;
      lock.unlock();
      try {
        return {*this, connect()};
      } catch (const sql::SQLException& e) {
        {
          const std::lock_guard relock(mutex_);
          --open_;
          --in_use_;
        }
        available_.notify_one();
        core::log::warn("database connect failed",
                        {{"error", e.what()}, {"code", e.getErrorCode()}});
        throw core::AppError::unavailable("The database is unavailable; retry shortly.", 2);
      }
    }
    if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.size) {
      throw core::AppError::unavailable("All database connections are busy; retry shortly.", 1);
    }
  }
}

void Pool::release(std::unique_ptr<Connection> conn, bool broken) {
  if (!broken) {
    try {
      // A connection that comes back mid-transaction is rolled back before anyone reuses it.
      if (!conn->raw().getAutoCommit()) {
        conn->rollback();
      }
    } catch (const sql::SQLException&) {
      broken = true;
    }
  }
  if (broken || conn->raw().isClosed()) {
    conn.reset();
    {
      const std::lock_guard lock(mutex_);
      --open_;
      --in_use_;
    }
    available_.notify_one();
    return;
  }
  conn->last_used = std::chrono::steady_clock::now();
  {
    const std::lock_guard lock(mutex_);
    --in_use_;
    idle_.push_back(std::move(conn));
  }
  available_.notify_one();
}

std::size_t Pool::in_use() const {
  const std::lock_guard lock(mutex_);
  return in_use_;
}

std::size_t Pool::open() const {
  const std::lock_guard lock(mutex_);
  return open_;
}

}  // namespace tiket::db
