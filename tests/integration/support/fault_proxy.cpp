#include "support/fault_proxy.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace tiket::test {

namespace {
int listen_on(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 64) != 0) {
    const int err = errno;
    close(fd);
    throw std::runtime_error("fault proxy: cannot listen on " + std::to_string(port) + ": " +
                             std::strerror(err));
  }
  return fd;
}

std::uint16_t bound_port(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

int connect_to(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) {
    return -1;
  }
  int fd = -1;
  for (auto* ai = res; ai != nullptr; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
      break;
    }
    if (fd >= 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  return fd;
}

bool pump(int from, int to) {
  std::array<char, 16384> buf{};
  const ssize_t n = read(from, buf.data(), buf.size());
  if (n <= 0) {
    return false;
  }
  ssize_t off = 0;
  while (off < n) {
    const ssize_t w = write(to, buf.data() + off, static_cast<size_t>(n - off));
    if (w <= 0) {
      return false;
    }
    off += w;
  }
  return true;
}
}  // namespace

FaultProxy::FaultProxy(std::string target_host, std::uint16_t target_port)
    : target_host_(std::move(target_host)), target_port_(target_port) {
  listener_ = listen_on(0);
  port_ = bound_port(listener_);
  is_open_ = true;
  thread_ = std::thread([this] { run(); });
}

FaultProxy::~FaultProxy() {
  stop_ = true;
  thread_.join();
}

void FaultProxy::cut() {
  want_open_ = false;
  wait_applied();
}

void FaultProxy::restore() {
  want_open_ = true;
  wait_applied();
}

void FaultProxy::wait_applied() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (is_open_ != want_open_ && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (is_open_ != want_open_) {
    throw std::runtime_error("fault proxy did not change state");
  }
}

void FaultProxy::run() {
  struct Pair {
    int client;
    int upstream;
  };
  std::vector<Pair> pairs;
  auto close_all = [&] {
    for (const auto& p : pairs) {
      close(p.client);
      close(p.upstream);
    }
    pairs.clear();
  };
  while (!stop_) {
    // The listener stays bound (re-binding the port races with sockets still closing); while
    // cut, every new connection is closed at once, which clients see as a lost connection.
    if (!want_open_ && is_open_) {
      close_all();
      is_open_ = false;
    } else if (want_open_ && !is_open_) {
      is_open_ = true;
    }
    std::vector<pollfd> fds;
    if (listener_ >= 0) {
      fds.push_back({listener_, POLLIN, 0});
    }
    for (const auto& p : pairs) {
      fds.push_back({p.client, POLLIN, 0});
      fds.push_back({p.upstream, POLLIN, 0});
    }
    if (poll(fds.data(), fds.size(), 20) <= 0) {
      continue;
    }
    std::size_t i = 0;
    std::vector<Pair> next;
    if (listener_ >= 0) {
      if ((fds[0].revents & POLLIN) != 0) {
        const int client = accept(listener_, nullptr, nullptr);
        const int upstream = client >= 0 && is_open_ ? connect_to(target_host_, target_port_) : -1;
        if (upstream >= 0) {
          next.push_back({client, upstream});
        } else if (client >= 0) {
          close(client);
        }
      }
      i = 1;
    }
    for (const auto& p : pairs) {
      const auto c = fds[i++].revents;
      const auto u = fds[i++].revents;
      bool alive = true;
      if ((c & (POLLIN | POLLHUP | POLLERR)) != 0) {
        alive = pump(p.client, p.upstream);
      }
      if (alive && (u & (POLLIN | POLLHUP | POLLERR)) != 0) {
        alive = pump(p.upstream, p.client);
      }
      if (alive) {
        next.push_back(p);
      } else {
        close(p.client);
        close(p.upstream);
      }
    }
    pairs = std::move(next);
  }
  close_all();
  if (listener_ >= 0) {
    close(listener_);
  }
}

}  // namespace tiket::test
