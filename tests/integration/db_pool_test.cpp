// The connection pool and the transaction helper against the real database.
#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <thread>
#include <vector>

#include "core/errors.hpp"
#include "db/pool.hpp"
#include "db/transaction.hpp"
#include "support/test_db.hpp"

using tiket::db::Connection;
using tiket::db::Pool;
using tiket::db::PoolOptions;
using tiket::test::TestDatabase;

namespace {
class DbPool : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto conn = db_.connect();
    conn->execute("CREATE TABLE items (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB");
    conn->execute("INSERT INTO items VALUES (1, 0), (2, 0)");
  }
  PoolOptions options(unsigned size) const {
    PoolOptions o;
    o.url = db_.url();
    o.size = size;
    o.wait = std::chrono::milliseconds(300);
    return o;
  }
  static long long scalar(Connection& conn, const std::string& sql) {
    auto& stmt = conn.prepare(sql);
    const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    rs->next();
    return static_cast<long long>(rs->getInt64(1));
  }
  TestDatabase db_;
};
}  // namespace

TEST_F(DbPool, RollsBackAConnectionReturnedMidTransaction) {
  Pool pool(tiket::test::test_driver(), options(1));
  {
    auto lease = pool.acquire();
    lease->begin();
    lease->execute("UPDATE items SET v = 99 WHERE id = 1");
    // The lease goes back without commit, as after an exception in a handler.
  }
  auto lease = pool.acquire();
  EXPECT_TRUE(lease->raw().getAutoCommit());
  EXPECT_EQ(db_.query_int("SELECT v FROM items WHERE id = 1"), 0);
  EXPECT_EQ(pool.open(), 1U) << "a healthy connection is reused, not reopened";
}

TEST_F(DbPool, DiscardsABrokenConnectionAndRecovers) {
  Pool pool(tiket::test::test_driver(), options(1));
  const auto first_id = tiket::db::with_connection(
      pool, [](Connection& c) { return scalar(c, "SELECT CONNECTION_ID()"); });
  db_.connect()->execute("KILL CONNECTION " + std::to_string(first_id));

  EXPECT_THROW(
      tiket::db::with_connection(pool, [](Connection& c) { return scalar(c, "SELECT 1"); }),
      sql::SQLException);
  EXPECT_EQ(pool.open(), 0U) << "the dead connection must have been dropped";
  const auto second_id = tiket::db::with_connection(
      pool, [](Connection& c) { return scalar(c, "SELECT CONNECTION_ID()"); });
  EXPECT_NE(second_id, first_id);
}

TEST_F(DbPool, IsBoundedAndAnswers503WhenExhausted) {
  Pool pool(tiket::test::test_driver(), options(1));
  auto held = pool.acquire();
  EXPECT_EQ(pool.in_use(), 1U);
  std::thread other([&] {
    try {
      (void)pool.acquire();
      ADD_FAILURE() << "acquired beyond the pool size";
    } catch (const tiket::core::AppError& e) {
      EXPECT_EQ(e.status(), 503);
    }
  });
  other.join();
}

TEST_F(DbPool, CachesPreparedStatementsPerConnection) {
  Pool pool(tiket::test::test_driver(), options(1));
  auto lease = pool.acquire();
  auto& a = lease->prepare("SELECT v FROM items WHERE id = ?");
  auto& b = lease->prepare("SELECT v FROM items WHERE id = ?");
  EXPECT_EQ(&a, &b);
}

TEST_F(DbPool, TransactionRetriesAForcedDeadlockAndSucceeds) {
  Pool pool(tiket::test::test_driver(), options(4));
  std::barrier both_hold_a_lock(2);
  std::atomic<int> attempts{0};
  auto crossing_update = [&](int first, int second) {
    bool first_try = true;
    tiket::db::transaction(pool, [&](Connection& conn) {
      attempts.fetch_add(1);
      auto& lock_first = conn.prepare("UPDATE items SET v = v + 1 WHERE id = ?");
      lock_first.setInt(1, first);
      lock_first.executeUpdate();
      if (first_try) {
        first_try = false;
        // Each transaction now holds one row and asks for the other: InnoDB must pick a victim.
        both_hold_a_lock.arrive_and_wait();
      }
      auto& lock_second = conn.prepare("UPDATE items SET v = v + 1 WHERE id = ?");
      lock_second.setInt(1, second);
      lock_second.executeUpdate();
    });
  };
  std::exception_ptr error_a;
  std::exception_ptr error_b;
  std::thread a([&] {
    try {
      crossing_update(1, 2);
    } catch (...) {
      error_a = std::current_exception();
    }
  });
  std::thread b([&] {
    try {
      crossing_update(2, 1);
    } catch (...) {
      error_b = std::current_exception();
    }
  });
  a.join();
  b.join();
  EXPECT_FALSE(error_a);
  EXPECT_FALSE(error_b);
  EXPECT_EQ(attempts.load(), 3) << "exactly one transaction should have been retried";
  EXPECT_EQ(db_.query_int("SELECT v FROM items WHERE id = 1"), 2);
  EXPECT_EQ(db_.query_int("SELECT v FROM items WHERE id = 2"), 2);
}

TEST_F(DbPool, ConnectionsReadCommittedSoAMissingRowLocksNoGap) {
  // Under REPEATABLE READ, `SELECT ... FOR UPDATE` of a key that is not there locks the gap
  // around it, and another transaction's insert into that gap waits. Two bookings did exactly
  // that on idempotency_keys and deadlocked against the ticket-type row (ADR 0010).
  db_.connect()->execute("INSERT INTO items VALUES (10, 0)");
  Pool pool(tiket::test::test_driver(), options(2));
  auto looker = pool.acquire();
  auto inserter = pool.acquire();
  looker->begin();
  {
    auto& stmt = looker->prepare("SELECT v FROM items WHERE id = ? FOR UPDATE");
    stmt.setInt(1, 5);  // between 2 and 10: no such row
    const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    EXPECT_FALSE(rs->next());
  }
  inserter->execute("SET SESSION innodb_lock_wait_timeout = 1");
  inserter->begin();
  // Another key in the same gap goes in at once instead of waiting (1205 after 1 s).
  EXPECT_NO_THROW(inserter->execute("INSERT INTO items VALUES (6, 0)"));
  inserter->commit();
  looker->commit();
  EXPECT_EQ(db_.query_int("SELECT COUNT(*) FROM items WHERE id = 6"), 1);
}

TEST_F(DbPool, QueryInChunksReadsEveryRowWithAtMostEightStatementTexts) {
  {
    const auto conn = db_.connect();
    conn->execute(
        "INSERT INTO items (id, v) WITH RECURSIVE s (n) AS (SELECT 3 UNION ALL SELECT n + 1 FROM "
        "s WHERE n < 300) SELECT n, n * 10 FROM s");
    conn->execute("UPDATE items SET v = id * 10 WHERE id < 3");
  }
  Pool pool(tiket::test::test_driver(), options(1));
  auto lease = pool.acquire();
  const auto before = lease->cached_statements();
  // Every length from 1 to 300: one or more chunks, each padded with its last id.
  for (std::size_t length = 1; length <= 300; ++length) {
    std::vector<std::int64_t> ids;
    for (std::size_t i = 0; i < length; ++i) {
      ids.push_back(static_cast<std::int64_t>(300 - i));  // descending: order is not assumed
    }
    std::vector<std::int64_t> seen;
    long long sum = 0;
    tiket::db::query_in_chunks(*lease, "SELECT id, v FROM items WHERE id IN (", ") ORDER BY id",
                               ids, [&](sql::ResultSet& rs) {
                                 seen.push_back(static_cast<std::int64_t>(rs.getInt64(1)));
                                 sum += static_cast<long long>(rs.getInt64(2));
                               });
    ASSERT_EQ(seen.size(), length) << "a padded id came back twice, or a row was lost";
    std::sort(seen.begin(), seen.end());
    std::sort(ids.begin(), ids.end());
    ASSERT_EQ(seen, ids);
    long long expected = 0;
    for (const auto id : ids) {
      expected += id * 10;
    }
    ASSERT_EQ(sum, expected);
  }
  EXPECT_EQ(lease->cached_statements() - before, 8U) << "1, 2, 4, ..., 128 slots";
  // An empty list runs nothing.
  bool called = false;
  tiket::db::query_in_chunks(*lease, "SELECT id FROM items WHERE id IN (", ")", {},
                             [&](sql::ResultSet&) { called = true; });
  EXPECT_FALSE(called);
}

TEST_F(DbPool, TransactionRollsBackOnANonRetryableError) {
  Pool pool(tiket::test::test_driver(), options(1));
  EXPECT_THROW(tiket::db::transaction(pool,
                                      [](Connection& conn) {
                                        conn.execute("UPDATE items SET v = 5 WHERE id = 1");
                                        conn.execute("INSERT INTO items VALUES (1, 1)");  // 1062
                                      }),
               sql::SQLException);
  EXPECT_EQ(db_.query_int("SELECT v FROM items WHERE id = 1"), 0);
}
