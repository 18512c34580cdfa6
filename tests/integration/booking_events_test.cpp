// GET /api/bookings/{code}/events (Server-Sent Events) against real tiket-api processes, a real
// database and the fake Midtrans gateway: the status arrives by itself after a payment settles
// and after expiry, across two replicas on one database, and the stream ends on a final status,
// on its lifetime and on SIGTERM. The client is a raw socket, so every byte is seen as sent.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <csignal>
#include <thread>

#include "support/api.hpp"
#include "support/fake_gateway.hpp"
#include "support/shop.hpp"

using tiket::test::Api;
using tiket::test::EnvOverrides;
using tiket::test::FakeGateway;
using tiket::test::Server;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// One event stream read from a raw socket. Each event is written as one chunk, so its text
// appears intact in the byte stream between the chunk sizes.
class EventStream {
 public:
  EventStream(std::uint16_t port, const std::string& path, const std::string& token) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("connect failed");
    }
    timeval slice{0, 100'000};  // recv returns every 100 ms, so waits check their deadline
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &slice, sizeof slice);
    std::string request =
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "Accept: text/event-stream\r\n";
    if (!token.empty()) {
      request += "Authorization: Bearer " + token + "\r\n";
    }
    request += "\r\n";
    ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL);
  }
  ~EventStream() { ::close(fd_); }
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;
  EventStream(EventStream&&) = delete;
  EventStream& operator=(EventStream&&) = delete;

  // Reads until `text` has arrived (true) or `patience` is over (false).
  bool wait_for(const std::string& text, std::chrono::milliseconds patience = 20s) {
    const auto deadline = Clock::now() + patience;
    while (received_.find(text) == std::string::npos) {
      if (Clock::now() >= deadline || closed_) {
        return received_.find(text) != std::string::npos;
      }
      read_some();
    }
    return true;
  }
  // The stream's end: the last chunk, or the connection closed.
  bool wait_for_end(std::chrono::milliseconds patience = 20s) {
    const auto deadline = Clock::now() + patience;
    while (!ended()) {
      if (Clock::now() >= deadline) {
        return false;
      }
      read_some();
    }
    return true;
  }
  bool ended() const {
    return closed_ || (received_.size() >= 5 && received_.ends_with("\r\n0\r\n\r\n"));
  }
  const std::string& received() const { return received_; }
  std::string head() const { return received_.substr(0, received_.find("\r\n\r\n")); }

 private:
  void read_some() {
    std::array<char, 4096> chunk{};
    const auto n = ::recv(fd_, chunk.data(), chunk.size(), 0);
    if (n > 0) {
      received_.append(chunk.data(), static_cast<std::size_t>(n));
    } else if (n == 0) {
      closed_ = true;
    }
  }
  int fd_ = -1;
  std::string received_;
  bool closed_ = false;
};

std::string status_data(const std::string& code, const std::string& status) {
  return R"(data: {"code":")" + code + R"(","status":")" + status + "\"";
}

EnvOverrides merged(EnvOverrides base, const EnvOverrides& more) {
  for (const auto& [k, v] : more) {
    base[k] = v;
  }
  return base;
}

class BookingEvents : public ::testing::Test {
 protected:
  BookingEvents()
      : api_(merged(gateway_.api_env(), {{"CATALOG_CACHE_TTL_MS", "0"},
                                         {"BOOKING_EXPIRY_INTERVAL_S", "3600"},
                                         {"PAYMENT_RECONCILE_INTERVAL_S", "3600"},
                                         {"SSE_POLL_INTERVAL_MS", "100"}})),
        admin_(api_.admin_tokens()["access_token"].get<std::string>()) {
    gateway_.notify_to(api_.base());
    concert_ = tiket::test::create_concert(api_, admin_, {{"Festival", 250000, 50}});
  }

  std::string customer(const std::string& name) {
    return api_.customer_tokens(name + "@example.id")["access_token"].get<std::string>();
  }
  std::string book(const std::string& token) {
    const auto r =
        tiket::test::book(api_, token, concert_.id, tiket::test::items({{concert_.types[0], 1}}),
                          "key-" + std::to_string(++keys_));
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json()["code"].get<std::string>();
  }
  std::uint16_t port() { return api_.server().port(); }
  // A second replica on the same database, with the same signing keys.
  std::unique_ptr<Server> replica(const EnvOverrides& extra = {}) {
    return std::make_unique<Server>(
        TIKET_API_BIN,
        tiket::test::server_env(api_.db().url_string(), merged({{"LOCAL_DIR", api_.local_dir()},
                                                                {"SSE_POLL_INTERVAL_MS", "100"},
                                                                {"JOBS_ENABLED", "false"}},
                                                               extra)));
  }

  static inline int keys_ = 0;
  FakeGateway gateway_;
  Api api_;
  std::string admin_;
  tiket::test::Concert concert_;
};

}  // namespace

TEST_F(BookingEvents, PaidArrivesByItselfAfterThePaymentSettlesThenTheStreamEnds) {
  const auto token = customer("sse-paid");
  const auto code = book(token);
  const auto started =
      api_.post("/api/bookings/" + code + "/payments", nlohmann::json::object(), token);
  ASSERT_EQ(started.status, 201) << started.body;
  const auto order = started.json()["order_id"].get<std::string>();

  EventStream stream(port(), "/api/bookings/" + code + "/events", token);
  ASSERT_TRUE(stream.wait_for(status_data(code, "pending_payment"))) << stream.received();
  const auto head = stream.head();
  EXPECT_EQ(head.substr(0, 15), "HTTP/1.1 200 OK") << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos) << head;
  EXPECT_NE(head.find("Cache-Control: no-cache"), std::string::npos) << head;
  EXPECT_NE(head.find("Transfer-Encoding: chunked"), std::string::npos) << head;
  EXPECT_NE(stream.received().find("event: status\n"), std::string::npos);
  EXPECT_NE(stream.received().find("\"updated_at\":\""), std::string::npos);
  EXPECT_FALSE(stream.ended());

  ASSERT_EQ(gateway_.set_status(order, "settlement")["deliveries"][0]["status"], 200);
  ASSERT_TRUE(stream.wait_for(status_data(code, "paid"))) << stream.received();
  EXPECT_TRUE(stream.wait_for_end()) << "a final status ends the stream";
}

TEST_F(BookingEvents, ExpiredArrivesAfterTheHoldEnds) {
  const auto token = customer("sse-expired");
  const auto code = book(token);
  EventStream stream(port(), "/api/bookings/" + code + "/events", token);
  ASSERT_TRUE(stream.wait_for(status_data(code, "pending_payment"))) << stream.received();
  api_.db().connect()->execute(
      "UPDATE bookings SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE WHERE code = '" +
      code + "'");
  const auto run = api_.run_job("expire-bookings", admin_);
  ASSERT_EQ(run["outcome"], "succeeded") << run.dump();
  ASSERT_TRUE(stream.wait_for(status_data(code, "expired"))) << stream.received();
  EXPECT_TRUE(stream.wait_for_end());
}

TEST_F(BookingEvents, AReplicaSeesAChangeMadeThroughAnother) {
  const auto token = customer("sse-replica");
  const auto code = book(token);
  const auto b = replica();
  EventStream stream(b->port(), "/api/bookings/" + code + "/events", token);
  ASSERT_TRUE(stream.wait_for(status_data(code, "pending_payment"))) << stream.received();
  // Cancelled through the first replica: the second learns it from the database.
  const auto cancelled =
      api_.post("/api/bookings/" + code + "/cancel", nlohmann::json::object(), token);
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  ASSERT_TRUE(stream.wait_for(status_data(code, "cancelled"))) << stream.received();
  EXPECT_TRUE(stream.wait_for_end());
}

TEST_F(BookingEvents, OnlyTheOwnerOrAnAdminMayWatch) {
  const auto owner = customer("sse-owner");
  const auto other = customer("sse-other");
  const auto code = book(owner);
  {
    EventStream stream(port(), "/api/bookings/" + code + "/events", "");
    ASSERT_TRUE(stream.wait_for("\r\n\r\n"));
    EXPECT_EQ(stream.head().substr(0, 12), "HTTP/1.1 401") << stream.head();
    EXPECT_NE(stream.head().find("application/problem+json"), std::string::npos);
    EXPECT_NE(stream.head().find("WWW-Authenticate: Bearer"), std::string::npos);
  }
  {
    EventStream stream(port(), "/api/bookings/" + code + "/events", other);
    ASSERT_TRUE(stream.wait_for("\r\n\r\n"));
    EXPECT_EQ(stream.head().substr(0, 12), "HTTP/1.1 404") << stream.head();
  }
  {
    EventStream stream(port(), "/api/bookings/TIX-nope/events", owner);
    ASSERT_TRUE(stream.wait_for("\r\n\r\n"));
    EXPECT_EQ(stream.head().substr(0, 12), "HTTP/1.1 404") << stream.head();
  }
  EventStream as_admin(port(), "/api/bookings/" + code + "/events", admin_);
  EXPECT_TRUE(as_admin.wait_for(status_data(code, "pending_payment"))) << as_admin.received();
}

TEST_F(BookingEvents, AnIdleStreamOutlivesTheServersTimeoutsWithKeepAlivesThenEndsAtItsLifetime) {
  const auto token = customer("sse-idle");
  const auto code = book(token);
  // Pistache cuts a request still "in progress" after the header timeout (1 s here) with a
  // 408, and an idle connection after the keep-alive timeout (4 s). Keep-alive comments come
  // every 2 s (half the keep-alive timeout), so only a stream that counts as idle and restarts
  // the keep-alive clock with each write lives to its 6 s lifetime.
  const auto b = replica({{"HTTP_HEADER_TIMEOUT_MS", "1000"},
                          {"HTTP_KEEPALIVE_TIMEOUT_S", "4"},
                          {"SSE_MAX_LIFETIME_S", "6"}});
  EventStream stream(b->port(), "/api/bookings/" + code + "/events", token);
  ASSERT_TRUE(stream.wait_for(status_data(code, "pending_payment"))) << stream.received();
  const auto opened = Clock::now();
  ASSERT_TRUE(stream.wait_for(": keep-alive\n\n", 5s)) << stream.received();
  ASSERT_TRUE(stream.wait_for_end(20s));
  const auto lived = Clock::now() - opened;
  EXPECT_GE(lived, 5s) << "ended before its lifetime";
  EXPECT_EQ(stream.received().find("408"), std::string::npos) << stream.received();
  EXPECT_TRUE(stream.received().ends_with("\r\n0\r\n\r\n")) << "ended by the server, in order";
}

TEST_F(BookingEvents, TheReplicaCapsItsStreamsWith503) {
  const auto token = customer("sse-cap");
  const auto code = book(token);
  const auto b = replica({{"SSE_MAX_STREAMS", "1"}});
  EventStream first(b->port(), "/api/bookings/" + code + "/events", token);
  ASSERT_TRUE(first.wait_for(status_data(code, "pending_payment"))) << first.received();
  EventStream second(b->port(), "/api/bookings/" + code + "/events", token);
  ASSERT_TRUE(second.wait_for("\r\n\r\n"));
  EXPECT_EQ(second.head().substr(0, 12), "HTTP/1.1 503") << second.head();
  EXPECT_NE(second.head().find("Retry-After: "), std::string::npos) << second.head();
}

TEST_F(BookingEvents, SigtermEndsOpenStreamsPromptlyAndTheProcessExitsCleanly) {
  const auto token = customer("sse-sigterm");
  const auto code = book(token);
  const auto b = replica({{"SHUTDOWN_TIMEOUT_MS", "15000"}});
  EventStream one(b->port(), "/api/bookings/" + code + "/events", token);
  EventStream two(b->port(), "/api/bookings/" + code + "/events", token);
  ASSERT_TRUE(one.wait_for(status_data(code, "pending_payment"))) << one.received();
  ASSERT_TRUE(two.wait_for(status_data(code, "pending_payment"))) << two.received();
  const auto signalled = Clock::now();
  b->process().signal(SIGTERM);
  ASSERT_TRUE(one.wait_for_end(10s)) << one.received();
  ASSERT_TRUE(two.wait_for_end(10s)) << two.received();
  const auto exit_code = b->process().wait(20s);
  ASSERT_TRUE(exit_code.has_value()) << "did not exit";
  EXPECT_EQ(*exit_code, 0) << b->process().output();
  // Well inside SHUTDOWN_TIMEOUT_MS: the streams did not hold the drain up.
  EXPECT_LT(Clock::now() - signalled, 10s);
}
