// SIGTERM while 16 keep-alive clients send requests back to back (ADR 0012). Raw sockets, so
// the test sees exactly what a client sees: a response, a clean close (EOF) between requests,
// a refused connection, or a reset.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/process.hpp"
#include "support/test_db.hpp"

using tiket::test::Server;
using tiket::test::server_env;
using tiket::test::TestDatabase;
using Clock = std::chrono::steady_clock;

namespace {

enum class Connect { Ok, Refused, Failed };

// Non-blocking connect to 127.0.0.1:port, bounded by `patience`.
std::pair<Connect, int> connect_to(std::uint16_t port, std::chrono::milliseconds patience) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return {Connect::Failed, -1};
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  int err = rc == 0 ? 0 : errno;
  if (err == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    rc = ::poll(&p, 1, static_cast<int>(patience.count()));
    socklen_t len = sizeof err;
    if (rc <= 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
      err = ETIMEDOUT;
    }
  }
  if (err != 0) {
    ::close(fd);
    return {err == ECONNREFUSED ? Connect::Refused : Connect::Failed, -1};
  }
  return {Connect::Ok, fd};
}

enum class Read { Data, Eof, Reset, Timeout };

// One recv, waiting at most until `deadline`.
Read read_some(int fd, std::string& into, Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      return Read::Timeout;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) {
      continue;
    }
    std::array<char, 4096> buf{};
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n > 0) {
      into.append(buf.data(), static_cast<std::size_t>(n));
      return Read::Data;
    }
    if (n == 0) {
      return Read::Eof;
    }
    if (errno == EAGAIN || errno == EINTR) {
      continue;
    }
    return Read::Reset;  // ECONNRESET (or any other hard error)
  }
}

std::string lower(std::string s) {
  for (auto& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

struct Tally {
  int responses = 0;        // complete 200 responses
  int close_responses = 0;  // ... that carried Connection: close
  int closed_between = 0;   // server closed cleanly (EOF) with no request outstanding
  int refused = 0;          // connect refused (the server stopped accepting)
  int resets = 0;           // a reset, anywhere
  int lost = 0;             // a request sent and never completely answered
  std::vector<std::string> problems;
};

struct Shared {
  std::uint16_t port = 0;
  std::atomic<bool> signalled{false};  // SIGTERM sent
  std::atomic<bool> refusing{false};   // a fresh connection was refused after the signal
  std::atomic<bool> give_up{false};    // the test's deadline passed
};

// Sends `path` back to back on one keep-alive connection, reconnecting after a clean close,
// until the server refuses a new connection after SIGTERM. After a Connection: close answer a
// `strict` client waits for the server to close its side (FIN, not RST); the others close at
// once and reconnect, as HTTP libraries do.
void client(Shared& shared, const std::string& path, bool strict, Tally& tally,
            std::atomic<int>& warm) {
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  int fd = -1;
  bool counted_warm = false;
  while (!shared.give_up.load()) {
    if (fd < 0) {
      const auto [result, opened] = connect_to(shared.port, std::chrono::seconds(10));
      if (result == Connect::Refused && shared.signalled.load()) {
        ++tally.refused;
        return;  // the server stopped accepting: this client is done
      }
      if (result != Connect::Ok) {
        tally.problems.emplace_back(result == Connect::Refused ? "refused before SIGTERM"
                                                               : "connect failed");
        return;
      }
      fd = opened;
    }
    // The server may have closed this idle connection since the last answer: that is a clean
    // close between requests, seen before anything is sent.
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) > 0) {
      char c = 0;
      const ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n == 0) {
        ++tally.closed_between;
      } else if (n < 0) {
        ++tally.resets;
        tally.problems.emplace_back("reset on an idle connection");
      } else {
        tally.problems.emplace_back("unexpected bytes between responses");
      }
      ::close(fd);
      fd = -1;
      continue;
    }
    const bool sent_while_refusing = shared.refusing.load();
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      ++tally.resets;  // EPIPE/ECONNRESET: the server reset the connection
      tally.problems.emplace_back(std::string("send failed: ") + std::strerror(errno));
      ::close(fd);
      fd = -1;
      continue;
    }
    // Read one complete response (status line, headers, Content-Length body).
    std::string in;
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    std::optional<std::size_t> total;
    Read last = Read::Data;
    while (!total || in.size() < *total) {
      last = read_some(fd, in, deadline);
      if (last != Read::Data) {
        break;
      }
      const auto end = in.find("\r\n\r\n");
      if (!total && end != std::string::npos) {
        const auto head = lower(in.substr(0, end));
        const auto cl = head.find("content-length:");
        total = end + 4 + (cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 15)));
      }
    }
    if (last != Read::Data) {
      ++(last == Read::Reset ? tally.resets : tally.lost);
      tally.problems.emplace_back(last == Read::Reset ? "reset while a request was unanswered"
                                  : last == Read::Eof ? "closed while a request was unanswered"
                                                      : "no answer within 30 s");
      ::close(fd);
      fd = -1;
      continue;
    }
    const auto head = lower(in.substr(0, in.find("\r\n\r\n")));
    if (head.rfind("http/1.1 200", 0) != 0) {
      tally.problems.emplace_back("not a 200: " + head.substr(0, head.find('\r')));
    }
    ++tally.responses;
    if (!counted_warm && tally.responses >= 20) {
      counted_warm = true;
      warm.fetch_add(1);
    }
    const bool close = head.find("\r\nconnection: close") != std::string::npos;
    if (!close) {
      if (sent_while_refusing) {
        tally.problems.emplace_back("keep-alive answer to a request sent after the drain began");
      }
      continue;
    }
    ++tally.close_responses;
    if (!strict) {
      ::close(fd);
      fd = -1;
      continue;
    }
    // Told to close: the server must now close its side cleanly (FIN, not RST).
    std::string extra;
    const auto after = read_some(fd, extra, Clock::now() + std::chrono::seconds(30));
    if (after == Read::Reset) {
      ++tally.resets;
      tally.problems.emplace_back("reset after a Connection: close answer");
    } else if (after != Read::Eof) {
      tally.problems.emplace_back("no clean close after a Connection: close answer");
    }
    ::close(fd);
    fd = -1;
  }
  if (fd >= 0) {
    ::close(fd);
  }
}

}  // namespace

TEST(GracefulShutdown, SigtermUnderKeepAliveLoadResetsNoConnection) {
  constexpr int kClients = 16;
  TestDatabase db;
  // Clients are never idle for long, but a loaded runner may stall one: a long idle grace
  // keeps that from turning into a close the client races with.
  Server server(TIKET_FIXTURE_BIN,
                server_env(db.url_string(), {{"WORKER_THREADS", "4"},
                                             {"SHUTDOWN_TIMEOUT_MS", "30000"},
                                             {"SHUTDOWN_IDLE_GRACE_MS", "5000"}}));
  Shared shared;
  shared.port = server.port();

  // Three kinds of answer: written directly on the reactor (/healthz), from the fast path on
  // the reactor (/test/fast?hit=1), and queued from a worker (/test/slow).
  std::vector<std::string> paths;
  paths.reserve(kClients);
  for (int i = 0; i < kClients; ++i) {
    paths.emplace_back(i % 4 == 0   ? "/test/slow?ms=30"
                       : i % 4 == 1 ? "/test/fast?hit=1"
                                    : "/healthz");
  }
  std::vector<Tally> tallies(kClients);
  std::atomic<int> warm{0};
  std::atomic<int> finished{0};
  std::vector<std::thread> clients;
  clients.reserve(kClients);
  for (std::size_t i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      client(shared, paths[i], (i / 4) % 2 == 0, tallies[i], warm);
      finished.fetch_add(1);
    });
  }
  const auto test_deadline = Clock::now() + std::chrono::seconds(90);
  const auto join_all = [&] {
    shared.give_up.store(true);
    for (auto& t : clients) {
      t.join();
    }
  };

  // Every client has had 20 answers on its connection: the load is on.
  while (warm.load() < kClients && Clock::now() < test_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (warm.load() < kClients) {
    join_all();
    FAIL() << "clients did not warm up\n" << server.process().output();
  }

  shared.signalled.store(true);
  server.process().signal(SIGTERM);

  // Wait until a fresh connection is refused: from then on, every answer must say close.
  while (!shared.refusing.load() && Clock::now() < test_deadline) {
    const auto [result, fd] = connect_to(shared.port, std::chrono::seconds(5));
    if (fd >= 0) {
      ::close(fd);  // accepted before the listener closed; close at once, send nothing
    }
    if (result == Connect::Refused) {
      shared.refusing.store(true);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  const auto exit_code = server.process().wait(std::chrono::seconds(60));
  // Clients finish when their reconnect is refused; the deadline only bounds a broken server.
  while (finished.load() < kClients && Clock::now() < test_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  join_all();

  Tally sum;
  for (const auto& t : tallies) {
    sum.responses += t.responses;
    sum.close_responses += t.close_responses;
    sum.closed_between += t.closed_between;
    sum.refused += t.refused;
    sum.resets += t.resets;
    sum.lost += t.lost;
    sum.problems.insert(sum.problems.end(), t.problems.begin(), t.problems.end());
  }
  std::printf(
      "keep-alive shutdown: %d responses (%d with Connection: close), %d clean closes "
      "between requests, %d refused connects, %d resets, %d unanswered\n",
      sum.responses, sum.close_responses, sum.closed_between, sum.refused, sum.resets, sum.lost);

  EXPECT_TRUE(shared.refusing.load()) << "new connections were never refused";
  EXPECT_EQ(sum.resets, 0);
  EXPECT_EQ(sum.lost, 0);
  for (const auto& problem : sum.problems) {
    ADD_FAILURE() << problem;
  }
  // Every client was told to close (or closed between requests) and then refused.
  for (std::size_t i = 0; i < tallies.size(); ++i) {
    EXPECT_GE(tallies[i].close_responses + tallies[i].closed_between, 1) << "client " << i;
    EXPECT_EQ(tallies[i].refused, 1) << "client " << i;
  }
  ASSERT_TRUE(exit_code.has_value()) << "server did not exit after SIGTERM";
  EXPECT_EQ(*exit_code, 0) << server.process().output();
  EXPECT_NE(server.process().output().find(R"("clean":true)"), std::string::npos)
      << server.process().output();
}

namespace {

// Sends one GET and reads its complete answer; the answer's head (lower case), or nothing.
std::optional<std::string> get_once(int fd, const std::string& path) {
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return std::nullopt;
  }
  std::string in;
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (in.find("\r\n\r\n") == std::string::npos) {
    if (read_some(fd, in, deadline) != Read::Data) {
      return std::nullopt;
    }
  }
  const auto head = lower(in.substr(0, in.find("\r\n\r\n")));
  const auto cl = head.find("content-length:");
  const auto total = in.find("\r\n\r\n") + 4 + std::stoul(head.substr(cl + 15));
  while (in.size() < total) {
    if (read_some(fd, in, deadline) != Read::Data) {
      return std::nullopt;
    }
  }
  return head;
}

}  // namespace

TEST(GracefulShutdown, IdleKeepAliveConnectionsAreServedDuringTheGraceThenClosedCleanly) {
  constexpr auto kGrace = std::chrono::milliseconds(5000);
  TestDatabase db;
  Server server(TIKET_FIXTURE_BIN, server_env(db.url_string(), {{"SHUTDOWN_IDLE_GRACE_MS", "5000"},
                                                                {"SHUTDOWN_TIMEOUT_MS", "30000"}}));
  // Two keep-alive connections, each used once, then idle.
  auto [r1, quiet] = connect_to(server.port(), std::chrono::seconds(10));
  auto [r2, late] = connect_to(server.port(), std::chrono::seconds(10));
  ASSERT_EQ(r1, Connect::Ok);
  ASSERT_EQ(r2, Connect::Ok);
  for (const int fd : {quiet, late}) {
    const auto head = get_once(fd, "/healthz");
    ASSERT_TRUE(head.has_value());
    ASSERT_EQ(head->find("connection: close"), std::string::npos) << *head;
  }

  const auto signalled_at = Clock::now();
  server.process().signal(SIGTERM);
  // The drain has begun once a new connection is refused.
  bool refused = false;
  while (!refused && Clock::now() < signalled_at + std::chrono::seconds(20)) {
    const auto [result, fd] = connect_to(server.port(), std::chrono::seconds(5));
    if (fd >= 0) {
      ::close(fd);
    }
    refused = result == Connect::Refused;
  }
  ASSERT_TRUE(refused) << server.process().output();

  // A request on an idle connection within the grace period is answered, with close, and the
  // server then closes that connection cleanly.
  const auto head = get_once(late, "/healthz");
  ASSERT_TRUE(head.has_value()) << "request within the grace period was not answered";
  EXPECT_EQ(head->rfind("http/1.1 200", 0), 0U) << *head;
  EXPECT_NE(head->find("connection: close"), std::string::npos) << *head;
  std::string rest;
  EXPECT_EQ(read_some(late, rest, Clock::now() + std::chrono::seconds(20)), Read::Eof);

  // The connection that stays idle is closed cleanly (FIN, not RST), and not before the grace.
  EXPECT_EQ(read_some(quiet, rest, Clock::now() + std::chrono::seconds(30)), Read::Eof);
  EXPECT_GE(Clock::now() - signalled_at, kGrace);
  ::close(quiet);
  ::close(late);

  const auto code = server.process().wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value()) << "server did not exit after SIGTERM";
  EXPECT_EQ(*code, 0) << server.process().output();
}
