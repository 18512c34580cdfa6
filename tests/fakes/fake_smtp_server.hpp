#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tiket::test {

// One message as the server accepted it at the end of DATA.
struct ReceivedMail {
  std::string mail_from;  // reverse-path without the angle brackets ("" for the null path)
  std::vector<std::string> rcpt_to;  // forward-paths without angle brackets, in order
  std::string auth_user;             // the AUTH PLAIN identity of the session, "" without AUTH
  std::string data;  // the message after dot-unstuffing, line endings exactly as sent
  // Header names in lower case; folded values unfolded. A multimap, so a test can see that an
  // injected or duplicated header is there twice.
  std::multimap<std::string, std::string> headers;
  std::string body;  // everything after the first empty line

  // The first value of a header (name in any case), or "" when absent.
  std::string header(const std::string& name) const;
};

// An SMTP server (a subset of RFC 5321 with RFC 4954 AUTH PLAIN) on 127.0.0.1 and a free port,
// for tests that drive the real client over real sockets. One thread serves one session at a
// time; sessions can follow each other. It is strict where real servers are: commands out of
// order get 503, unknown commands 500, unknown MAIL/RCPT parameters 555, and only CRLF.CRLF ends
// DATA (a bare LF stays in the data, so a test can see it).
class FakeSmtpServer {
 public:
  static constexpr std::size_t kMaxMessageSize = 1048576;  // advertised as SIZE

  FakeSmtpServer();
  ~FakeSmtpServer();
  FakeSmtpServer(const FakeSmtpServer&) = delete;
  FakeSmtpServer& operator=(const FakeSmtpServer&) = delete;
  FakeSmtpServer(FakeSmtpServer&&) = delete;
  FakeSmtpServer& operator=(FakeSmtpServer&&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const;  // smtp://127.0.0.1:PORT

  std::vector<ReceivedMail> messages() const;
  bool wait_for_messages(std::size_t n, std::chrono::milliseconds timeout) const;
  // Connections accepted so far, whether or not they delivered anything.
  std::size_t connections() const { return connections_.load(); }

  // Answer every RCPT TO with this code (for example 550); 0 accepts again.
  void reject_recipients_with(int code) { reject_code_ = code; }
  // Advertise AUTH PLAIN and refuse MAIL (530) until a session authenticates with these.
  void require_auth(std::string user, std::string password);
  // Hang like a broken relay: never send the greeting (kGreeting), or take the whole message and
  // never confirm it (kEndOfData, nothing is recorded). Either way the connection stays open.
  enum class Stall { kNever, kGreeting, kEndOfData };
  void stall(Stall where) { stall_ = where; }
  // Wait this long before every reply, like a slow relay that answers each command in time.
  void delay_replies(std::chrono::milliseconds delay) { reply_delay_ms_ = delay.count(); }

 private:
  struct Session;

  void run();
  void serve(int client);
  bool read_line(int client, std::string& buffer, std::string& line) const;
  void handle_command(Session& s, const std::string& raw_line);
  void handle_auth(Session& s, const std::string& args);
  void check_plain_response(Session& s, const std::string& encoded);
  void handle_mail(Session& s, const std::string& args);
  void handle_rcpt(Session& s, const std::string& args);
  void handle_data_line(Session& s, const std::string& line);
  void deliver(Session& s);

  std::uint16_t port_ = 0;
  int listener_ = -1;
  int wake_read_ = -1;
  int wake_write_ = -1;
  std::atomic<std::size_t> connections_{0};
  std::atomic<int> reject_code_{0};
  std::atomic<Stall> stall_{Stall::kNever};
  std::atomic<std::chrono::milliseconds::rep> reply_delay_ms_{0};

  mutable std::mutex mutex_;
  mutable std::condition_variable delivered_;
  std::vector<ReceivedMail> messages_;
  bool auth_required_ = false;
  std::string auth_user_;
  std::string auth_password_;

  std::thread thread_;
};

}  // namespace tiket::test
