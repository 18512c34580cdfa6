// The binary's command line, run as a process: what an operator or the image smoke test sees.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>

#include "support/process.hpp"

using tiket::test::Process;

TEST(Cli, VersionPrintsTheVersionAndTheCommitAndNeedsNoDatabase) {
  Process version(TIKET_API_BIN, {"--version"}, {{"DATABASE_URL", "mysql://nobody@127.0.0.1:1/x"}});
  ASSERT_EQ(version.wait(std::chrono::seconds(30)), 0) << version.output();
  static const std::regex kLine(
      R"(^tiket-api [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{7,40}|unknown)\)\n$)");
  EXPECT_TRUE(std::regex_match(version.output(), kLine)) << version.output();

  Process help(TIKET_API_BIN, {"--help"}, {});
  ASSERT_EQ(help.wait(std::chrono::seconds(30)), 0) << help.output();
  EXPECT_NE(help.output().find("--version"), std::string::npos) << help.output();
}
