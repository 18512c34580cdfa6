#include "support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/config.hpp"

namespace tiket::test {

std::string temp_dir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  return pattern;
}

Process::Process(const std::string& binary, const std::vector<std::string>& args,
                 const EnvOverrides& env) {
  log_path_ = temp_dir("tiket-proc") + "/output.log";
  auto merged = core::current_environment();
  for (const auto& [k, v] : env) {
    merged[k] = v;
  }
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : merged) {
    env_strings.push_back(k + "=" + v);
  }
  std::vector<char*> envp;
  for (auto& s : env_strings) {
    envp.push_back(s.data());
  }
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings{binary};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) {
    argv.push_back(s.data());
  }
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  const int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw std::runtime_error("posix_spawn " + binary + " failed: " + std::to_string(rc));
  }
}

Process::~Process() {
  if (!exit_code_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  std::filesystem::remove_all(std::filesystem::path(log_path_).parent_path());
}

void Process::signal(int sig) const {
  ::kill(pid_, sig);
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!exit_code_) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return exit_code_;
}

std::string Process::output() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Server::Server(const std::string& binary, const EnvOverrides& env) : process_(binary, {}, env) {
  // The service logs {"msg":"listening",...,"port":N} once the socket is bound.
  static const std::regex kListening(R"("msg":"listening".*"port":(\d+))");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto out = process_.output();
    std::smatch m;
    if (std::regex_search(out, m, kListening)) {
      port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
      return;
    }
    if (process_.wait(std::chrono::milliseconds(0))) {
      throw std::runtime_error("server exited during start-up:\n" + out);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("server did not start listening:\n" + process_.output());
}

EnvOverrides server_env(const std::string& database_url, EnvOverrides extra) {
  // ctest runs each test from the build tree, so every path the server reads is absolute, and
  // development keys go to one temporary folder per test process, not into the checkout.
  static const std::string local_dir = temp_dir("tiket-it-local");
  EnvOverrides env = {{"APP_ENV", "test"},
                      {"PORT", "0"},
                      {"HOST", "127.0.0.1"},
                      {"DATABASE_URL", database_url},
                      {"MIGRATIONS_DIR", TIKET_MIGRATIONS_DIR},
                      {"COMMON_PASSWORDS_FILE", TIKET_DATA_DIR "/common-passwords.txt"},
                      {"DEMO_CATALOG_FILE", TIKET_DATA_DIR "/demo-catalog.json"},
                      {"LOCAL_DIR", local_dir},
                      {"DB_CONNECT_TIMEOUT_S", "2"},
                      {"LOG_LEVEL", "info"}};
  for (auto& [k, v] : extra) {
    env[k] = v;
  }
  return env;
}

}  // namespace tiket::test
