#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/process.hpp"
#include "support/test_db.hpp"

using tiket::test::Process;
using tiket::test::server_env;
using tiket::test::TestDatabase;

namespace {
class MigrationRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tiket::test::temp_dir("tiket-migrations");
    // 0001 sleeps while it holds the lock, so the second runner really has to wait for it.
    write("0001_create.sql",
          "CREATE TABLE applied_log (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(20));\n"
          "DO SLEEP(1);\n");
    write("0002_first.sql", "INSERT INTO applied_log (note) VALUES ('first');\n");
    write("0003_second.sql",
          "-- a comment; with a semicolon\nINSERT INTO applied_log (note) "
          "VALUES ('second;still');\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write(const std::string& name, const std::string& sql) const {
    std::ofstream(std::filesystem::path(dir_) / name) << sql;
  }
  tiket::test::EnvOverrides env() const {
    return server_env(db_.url_string(), {{"MIGRATIONS_DIR", dir_}});
  }
  static int count(const std::string& text, const std::string& needle) {
    int n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
      ++n;
    }
    return n;
  }

  TestDatabase db_;
  std::string dir_;
};
}  // namespace

TEST_F(MigrationRun, TwoConcurrentRunnersApplyEachFileExactlyOnce) {
  Process a(TIKET_API_BIN, {"migrate"}, env());
  Process b(TIKET_API_BIN, {"migrate"}, env());
  EXPECT_EQ(a.wait(std::chrono::seconds(60)), 0) << a.output();
  EXPECT_EQ(b.wait(std::chrono::seconds(60)), 0) << b.output();

  EXPECT_EQ(db_.query_int("SELECT COUNT(*) FROM schema_migrations"), 3);
  EXPECT_EQ(db_.query_int("SELECT COUNT(*) FROM applied_log"), 2);
  EXPECT_EQ(db_.query_int("SELECT COUNT(*) FROM applied_log WHERE note = 'second;still'"), 1);
  const auto applied = count(a.output(), "\"msg\":\"migration applied\"") +
                       count(b.output(), "\"msg\":\"migration applied\"");
  EXPECT_EQ(applied, 3) << a.output() << b.output();
}

TEST_F(MigrationRun, RefusesAnAppliedMigrationThatWasEdited) {
  Process first(TIKET_API_BIN, {"migrate"}, env());
  ASSERT_EQ(first.wait(std::chrono::seconds(60)), 0) << first.output();

  write("0002_first.sql", "INSERT INTO applied_log (note) VALUES ('edited');\n");
  Process again(TIKET_API_BIN, {"migrate"}, env());
  const auto code = again.wait(std::chrono::seconds(60));
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_NE(again.output().find("0002_first.sql was edited after it was applied"),
            std::string::npos)
      << again.output();
  // Nothing was re-run.
  EXPECT_EQ(db_.query_int("SELECT COUNT(*) FROM applied_log"), 2);

  // The server refuses to start on an edited history too.
  Process serve(TIKET_API_BIN, {}, env());
  const auto serve_code = serve.wait(std::chrono::seconds(60));
  ASSERT_TRUE(serve_code.has_value()) << "server started despite an edited migration";
  EXPECT_NE(*serve_code, 0);
}

TEST_F(MigrationRun, ANewFileIsAppliedOnTheNextRun) {
  Process first(TIKET_API_BIN, {"migrate"}, env());
  ASSERT_EQ(first.wait(std::chrono::seconds(60)), 0) << first.output();
  write("0004_third.sql", "INSERT INTO applied_log (note) VALUES ('third');\n");
  Process second(TIKET_API_BIN, {"migrate"}, env());
  ASSERT_EQ(second.wait(std::chrono::seconds(60)), 0) << second.output();
  EXPECT_EQ(count(second.output(), "\"msg\":\"migration applied\""), 1);
  EXPECT_EQ(db_.query_int("SELECT COUNT(*) FROM applied_log"), 3);
}

TEST(ProjectMigrations, ApplyCleanlyToAnEmptyDatabase) {
  TestDatabase db;
  Process run(TIKET_API_BIN, {"migrate"}, server_env(db.url_string()));
  ASSERT_EQ(run.wait(std::chrono::seconds(60)), 0) << run.output();
  long long files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(TIKET_MIGRATIONS_DIR)) {
    files += entry.path().extension() == ".sql" ? 1 : 0;
  }
  ASSERT_GT(files, 0);
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM schema_migrations"), files);
}
