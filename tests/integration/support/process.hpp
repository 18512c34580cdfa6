#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tiket::test {

using EnvOverrides = std::map<std::string, std::string>;

// A child process with stdout+stderr captured to a file. The destructor kills it if needed.
class Process {
 public:
  Process(const std::string& binary, const std::vector<std::string>& args, const EnvOverrides& env);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  Process(Process&&) = delete;
  Process& operator=(Process&&) = delete;

  void signal(int sig) const;
  // Exit code, or nullopt if it did not exit in time. A signal death is 128+signal.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  std::string output() const;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::optional<int> exit_code_;
};

// Starts tiket-api (or the fixture server) on a free port and waits until it listens.
class Server {
 public:
  Server(const std::string& binary, const EnvOverrides& env);
  std::uint16_t port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  Process& process() { return process_; }

 private:
  Process process_;
  std::uint16_t port_ = 0;
};

// Environment every spawned server gets: test mode, quiet-ish, random port.
EnvOverrides server_env(const std::string& database_url, EnvOverrides extra = {});

std::string temp_dir(const std::string& prefix);

}  // namespace tiket::test
