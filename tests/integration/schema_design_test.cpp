// The schema-design answer (exercises/schema-design): each SQL file is loaded into a scratch
// database, a small dataset goes in, the main query returns the right rows, and EXPLAIN shows
// it reading the index the file says it is for, with no filesort. The role rules that the
// schemas put in foreign keys and CHECKs are tried too.
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "db/migrations.hpp"
#include "support/test_db.hpp"

using tiket::test::TestDatabase;

namespace {

struct Plan {
  std::string key;
  std::string extra;
};

class SchemaDesign : public ::testing::Test {
 protected:
  void load(const std::string& file) {
    std::ifstream in(std::filesystem::path(TIKET_EXERCISES_DIR) / "schema-design" / file);
    ASSERT_TRUE(in) << file;
    std::stringstream text;
    text << in.rdbuf();
    const auto statements = tiket::db::split_sql_statements(text.str());
    ASSERT_GT(statements.size(), 5U) << file;
    for (const auto& statement : statements) {
      conn_->execute(statement);
    }
  }

  // The ids a query returns; its parameters are bound as strings (the server converts them).
  std::vector<std::int64_t> ids(const std::string& query, const std::vector<std::string>& params) {
    auto& stmt = conn_->prepare(query);
    for (std::size_t i = 0; i < params.size(); ++i) {
      stmt.setString(static_cast<unsigned>(i + 1), params[i]);
    }
    const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    std::vector<std::int64_t> out;
    while (rs->next()) {
      out.push_back(static_cast<std::int64_t>(rs->getInt64(1)));
    }
    return out;
  }

  // EXPLAIN of a query, the row of `table`.
  Plan explain(const std::string& query, const std::vector<std::string>& params,
               const std::string& table) {
    auto& stmt = conn_->prepare("EXPLAIN " + query);
    for (std::size_t i = 0; i < params.size(); ++i) {
      stmt.setString(static_cast<unsigned>(i + 1), params[i]);
    }
    const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    while (rs->next()) {
      if (rs->getString("table") == table) {
        return {rs->isNull("key") ? "" : std::string(rs->getString("key")),
                rs->isNull("Extra") ? "" : std::string(rs->getString("Extra"))};
      }
    }
    ADD_FAILURE() << "no EXPLAIN row for " << table;
    return {};
  }

  TestDatabase db_;
  std::unique_ptr<tiket::db::Connection> conn_ = db_.connect();
};

// 0..63 twice: 4,096 numbers, under both servers' default recursion limit of 1,000.
constexpr const char* kNumbers =
    "WITH RECURSIVE d (n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < 63), "
    "s (n) AS (SELECT a.n * 64 + b.n + 1 FROM d a CROSS JOIN d b) ";

void load_bantu_data(tiket::db::Connection& conn) {
  conn.execute(
      "INSERT INTO users (email, password_hash, name) WITH RECURSIVE s (n) AS (SELECT 1 UNION "
      "ALL SELECT n + 1 FROM s WHERE n < 40) SELECT CONCAT('u', n, '@bantu.test'), 'x', "
      "CONCAT('User ', n) FROM s");
  conn.execute("INSERT INTO client_profiles (user_id) SELECT id FROM users WHERE id <= 20");
  conn.execute(
      "INSERT INTO freelancer_profiles (user_id, headline) SELECT id, 'dev' FROM users "
      "WHERE id >= 15");  // 15..20 are both
  conn.execute(
      "INSERT INTO categories (name) VALUES ('Web'), ('Mobile'), ('Design'), ('Writing'), "
      "('Data'), ('Marketing'), ('Video')");
  conn.execute(
      "INSERT INTO locations (city, province) VALUES ('Jakarta', 'DKI Jakarta'), ('Bandung', "
      "'Jawa Barat'), ('Surabaya', 'Jawa Timur'), ('Yogyakarta', 'DI Yogyakarta'), ('Medan', "
      "'Sumatera Utara')");
  conn.execute(std::string("INSERT INTO jobs (client_id, category_id, location_id, title, "
                           "description, budget_min, budget_max, status) ") +
               kNumbers +
               "SELECT 1 + n % 20, 1 + n % 7, IF(n % 11 = 0, NULL, 1 + n % 5), "
               "CONCAT('Job ', n), 'Build something', (n % 50) * 100000, "
               "(n % 50) * 100000 + 500000, ELT(1 + n % 3, 'open', 'draft', 'open') FROM s");
  conn.execute("ANALYZE TABLE jobs");
}

constexpr const char* kJobSearch =
    "SELECT id FROM jobs {} WHERE status = 'open' AND category_id = ? AND location_id = ? AND "
    "budget_max >= ? ORDER BY budget_max, id LIMIT 20";

std::string job_search(const std::string& hint) {
  std::string q = kJobSearch;
  q.replace(q.find("{}"), 2, hint);
  return q;
}

}  // namespace

TEST_F(SchemaDesign, BantuJobSearchReadsOneRangeOfIxJobsSearchWithoutSorting) {
  load("bantu.sql");
  load_bantu_data(*conn_);
  const std::vector<std::string> params{"3", "3", "2000000"};
  const auto found = ids(job_search(""), params);
  // The same rows as a scan that ignores the index: the index changes how, not what.
  EXPECT_EQ(found, ids(job_search("IGNORE INDEX (ix_jobs_search)"), params));
  EXPECT_EQ(found.size(), 20U);
  const auto plan = explain(job_search(""), params, "jobs");
  EXPECT_EQ(plan.key, "ix_jobs_search") << plan.extra;
  EXPECT_EQ(plan.extra.find("filesort"), std::string::npos) << plan.extra;

  // Remote jobs (no location) use the same index through IS NULL.
  const std::string remote =
      "SELECT id FROM jobs WHERE status = 'open' AND category_id = ? AND location_id IS NULL "
      "AND budget_max >= ? ORDER BY budget_max, id LIMIT 20";
  EXPECT_FALSE(ids(remote, {"3", "2000000"}).empty());
  const auto remote_plan = explain(remote, {"3", "2000000"}, "jobs");
  EXPECT_EQ(remote_plan.key, "ix_jobs_search") << remote_plan.extra;
  EXPECT_EQ(remote_plan.extra.find("filesort"), std::string::npos) << remote_plan.extra;
}

TEST_F(SchemaDesign, BantuRoleRulesLiveInForeignKeysAndChecks) {
  load("bantu.sql");
  load_bantu_data(*conn_);
  // User 3 is a client only, user 30 a freelancer only, user 16 both.
  EXPECT_THROW(conn_->execute("INSERT INTO jobs (client_id, category_id, title, description, "
                              "budget_min, budget_max) VALUES (30, 1, 't', 'd', 1, 2)"),
               sql::SQLException);
  EXPECT_THROW(conn_->execute("INSERT INTO proposals (job_id, freelancer_id, cover_letter, amount) "
                              "VALUES (1, 3, 'hi', 100)"),
               sql::SQLException);
  conn_->execute(
      "INSERT INTO proposals (job_id, freelancer_id, cover_letter, amount) VALUES (1, 16, 'hi', "
      "100)");
  EXPECT_THROW(conn_->execute("INSERT INTO proposals (job_id, freelancer_id, cover_letter, amount) "
                              "VALUES (1, 16, 'again', 90)"),
               sql::SQLException);
  EXPECT_THROW(conn_->execute("INSERT INTO jobs (client_id, category_id, title, description, "
                              "budget_min, budget_max) VALUES (3, 1, 't', 'd', 5, 2)"),
               sql::SQLException);
  // Failed inserts use up AUTO_INCREMENT values, so ids are read back, not assumed.
  const auto proposal = std::to_string(conn_->last_insert_id());
  // Negotiation is a history; the accepted proposal becomes one contract, reviewed once per side.
  conn_->execute(
      "INSERT INTO proposal_offers (proposal_id, from_user_id, amount, message) VALUES (" +
      proposal + ", 2, 80, 'counter'), (" + proposal + ", 16, 90, 'meet halfway')");
  conn_->execute("INSERT INTO contracts (proposal_id, amount) VALUES (" + proposal + ", 90)");
  const auto contract = std::to_string(conn_->last_insert_id());
  EXPECT_THROW(
      conn_->execute("INSERT INTO contracts (proposal_id, amount) VALUES (" + proposal + ", 90)"),
      sql::SQLException);
  const auto review = [&](const std::string& reviewer, const std::string& reviewee,
                          const std::string& rating) {
    conn_->execute("INSERT INTO reviews (contract_id, reviewer_id, reviewee_id, rating) VALUES (" +
                   contract + ", " + reviewer + ", " + reviewee + ", " + rating + ")");
  };
  EXPECT_THROW(review("2", "16", "6"), sql::SQLException);
  EXPECT_THROW(review("16", "16", "5"), sql::SQLException);
  review("2", "16", "5");
  EXPECT_THROW(review("2", "16", "4"), sql::SQLException);
  // Chat: only a participant may post in a conversation.
  conn_->execute("INSERT INTO conversations (job_id) VALUES (1)");
  const auto chat = std::to_string(conn_->last_insert_id());
  conn_->execute("INSERT INTO conversation_participants (conversation_id, user_id) VALUES (" +
                 chat + ", 2), (" + chat + ", 16)");
  conn_->execute("INSERT INTO messages (conversation_id, sender_id, body) VALUES (" + chat +
                 ", 16, 'halo')");
  EXPECT_THROW(conn_->execute("INSERT INTO messages (conversation_id, sender_id, body) VALUES (" +
                              chat + ", 30, 'spam')"),
               sql::SQLException);
  EXPECT_EQ(db_.query_int("SELECT COUNT(*) FROM proposals"), 1);
  EXPECT_EQ(db_.query_int("SELECT COUNT(*) FROM reviews"), 1);
  EXPECT_EQ(db_.query_int("SELECT COUNT(*) FROM messages"), 1);
}

namespace {
void load_learning_data(tiket::db::Connection& conn) {
  // User 1 is the admin, 2..11 lecturers, 12..120 students.
  conn.execute(
      "INSERT INTO users (email, name, role, status) WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL "
      "SELECT n + 1 FROM s WHERE n < 120) SELECT CONCAT('u', n, '@learn.test'), CONCAT('User ', "
      "n), IF(n = 1, 'admin', IF(n <= 11, 'lecturer', 'student')), 'active' FROM s");
  conn.execute(std::string("INSERT INTO courses (lecturer_id, title, slug, status, created_at) ") +
               kNumbers +
               "SELECT 2 + n % 10, CONCAT('Course ', n), CONCAT('course-', n), "
               "ELT(1 + n % 3, 'published', 'draft', 'archived'), "
               "TIMESTAMP('2026-01-01') + INTERVAL n MINUTE FROM s");
  conn.execute("ANALYZE TABLE courses");
}

constexpr const char* kLecturerCourses =
    "SELECT id FROM courses {} WHERE lecturer_id = ? AND status = 'published' "
    "ORDER BY created_at DESC, id DESC LIMIT 20";

std::string lecturer_courses(const std::string& hint) {
  std::string q = kLecturerCourses;
  q.replace(q.find("{}"), 2, hint);
  return q;
}
}  // namespace

TEST_F(SchemaDesign, LearningLecturerCourseListReadsIxCoursesLecturerWithoutSorting) {
  load("learning.sql");
  load_learning_data(*conn_);
  const auto found = ids(lecturer_courses(""), {"4"});
  EXPECT_EQ(found.size(), 20U);
  EXPECT_EQ(found, ids(lecturer_courses("IGNORE INDEX (ix_courses_lecturer)"), {"4"}));
  const auto plan = explain(lecturer_courses(""), {"4"}, "courses");
  EXPECT_EQ(plan.key, "ix_courses_lecturer") << plan.extra;
  EXPECT_EQ(plan.extra.find("filesort"), std::string::npos) << plan.extra;
}

TEST_F(SchemaDesign, LearningRolesAreEnforcedByTheSchema) {
  load("learning.sql");
  load_learning_data(*conn_);
  // A student (50) cannot own a course, even by claiming the role column.
  EXPECT_THROW(
      conn_->execute("INSERT INTO courses (lecturer_id, title, slug) VALUES (50, 'x', 'x')"),
      sql::SQLException);
  EXPECT_THROW(conn_->execute("INSERT INTO courses (lecturer_id, lecturer_role, title, slug) "
                              "VALUES (50, 'student', 'x', 'x')"),
               sql::SQLException);
  // A lecturer (4) cannot enrol; a student can, once.
  EXPECT_THROW(conn_->execute("INSERT INTO enrollments (student_id, course_id) VALUES (4, 1)"),
               sql::SQLException);
  conn_->execute("INSERT INTO enrollments (student_id, course_id) VALUES (50, 1)");
  EXPECT_THROW(conn_->execute("INSERT INTO enrollments (student_id, course_id) VALUES (50, 1)"),
               sql::SQLException);
  // A lecturer who owns courses cannot be turned into a student: reassign the courses first.
  EXPECT_THROW(conn_->execute("UPDATE users SET role = 'student' WHERE id = 4"), sql::SQLException);
  EXPECT_EQ(db_.query_int("SELECT COUNT(*) FROM users WHERE id = 4 AND role = 'lecturer'"), 1);
  EXPECT_EQ(db_.query_int("SELECT COUNT(*) FROM enrollments"), 1);
}
