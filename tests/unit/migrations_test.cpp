#include "db/migrations.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <fstream>

using tiket::db::load_migrations;
using tiket::db::MigrationError;
using tiket::db::split_sql_statements;

TEST(SplitSql, SplitsOnSemicolonsOutsideQuotesAndComments) {
  const auto stmts = split_sql_statements(
      "-- header; comment\n"
      "CREATE TABLE t (a VARCHAR(10) DEFAULT 'x;y');\n"
      "/* block; comment */ INSERT INTO t VALUES ('it''s; fine'), (\"q\\\";\");\n"
      "# hash comment;\n"
      "INSERT INTO `we;ird` VALUES (1)\n");
  ASSERT_EQ(stmts.size(), 3U);
  EXPECT_EQ(stmts[0], "CREATE TABLE t (a VARCHAR(10) DEFAULT 'x;y')");
  EXPECT_NE(stmts[1].find("'it''s; fine'"), std::string::npos);
  EXPECT_NE(stmts[1].find(R"("q\";")"), std::string::npos);
  EXPECT_EQ(stmts[2], "INSERT INTO `we;ird` VALUES (1)");
}

TEST(SplitSql, IgnoresEmptyStatements) {
  EXPECT_TRUE(split_sql_statements(" ;\n;-- only a comment\n").empty());
}

class MigrationFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    dir_ = std::filesystem::temp_directory_path() /
           ("tiket-mig-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::filesystem::path dir_;
};

TEST_F(MigrationFiles, LoadsInVersionOrderAndIgnoresOtherFiles) {
  write("0010_ten.sql", "SELECT 10;");
  write("0002_two.sql", "SELECT 2;");
  write("README.md", "not a migration");
  const auto files = load_migrations(dir_);
  ASSERT_EQ(files.size(), 2U);
  EXPECT_EQ(files[0].name, "0002_two.sql");
  EXPECT_EQ(files[1].version, "0010");
  EXPECT_EQ(files[0].checksum.size(), 64U);
}

TEST_F(MigrationFiles, RejectsBadNamesAndDuplicateVersions) {
  write("init.sql", "SELECT 1;");
  EXPECT_THROW(load_migrations(dir_), MigrationError);
  std::filesystem::remove(dir_ / "init.sql");
  write("0001_a.sql", "SELECT 1;");
  write("0001_b.sql", "SELECT 1;");
  EXPECT_THROW(load_migrations(dir_), MigrationError);
}

TEST(Migrations, MissingDirectoryIsAClearError) {
  EXPECT_THROW(load_migrations("/nonexistent/tiket"), MigrationError);
}

TEST(MigrationErrors, RetryableAndConnectionErrorsAreClassified) {
  EXPECT_TRUE(tiket::db::is_retryable_transaction_error(1213));
  EXPECT_TRUE(tiket::db::is_retryable_transaction_error(1205));
  EXPECT_FALSE(tiket::db::is_retryable_transaction_error(1062));
  EXPECT_TRUE(tiket::db::is_connection_error(2006));
  EXPECT_TRUE(tiket::db::is_connection_error(2013));
  EXPECT_FALSE(tiket::db::is_connection_error(1213));
}
