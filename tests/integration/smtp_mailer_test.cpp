// The libcurl SMTP client against a real SMTP server on a real socket (tests/fakes).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <ctime>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "auth/mailer.hpp"
#include "fakes/fake_smtp_server.hpp"

using tiket::auth::Mail;
using tiket::auth::SmtpMailer;
using tiket::auth::SmtpOptions;
using tiket::test::FakeSmtpServer;
using tiket::test::ReceivedMail;

namespace {

constexpr auto kWait = std::chrono::seconds(5);
const std::string kFrom = "noreply@tiket.test";
const std::string kPassword = "s3cret-Pa55word";

SmtpOptions options_for(const std::string& url) {
  SmtpOptions o;
  o.url = url;
  o.from = kFrom;
  o.connect_timeout = std::chrono::seconds(2);
  o.timeout = std::chrono::seconds(5);
  return o;
}

Mail login_mail(std::string to = "budi@example.id") {
  return Mail{std::move(to), "Your Tiket login code", "Your code is 482913.\n"};
}

// What send() threw, or "" when it did not throw a runtime_error.
std::string send_error(SmtpMailer& mailer, const Mail& mail) {
  try {
    mailer.send(mail);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

std::string base64_of(const std::string& s) {
  std::string out(sodium_base64_ENCODED_LEN(s.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(s.data()),
                    s.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.find('\0'));
  return out;
}

// Decodes each RFC 2047 "B" encoded-word of a header value on its own, as a mail reader does.
std::vector<std::string> decode_encoded_words(const std::string& value) {
  static const std::regex word(R"(=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=)");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(value.begin(), value.end(), word);
       it != std::sregex_iterator(); ++it) {
    const std::string b64 = (*it)[1];
    std::vector<unsigned char> bin(b64.size());
    std::size_t len = 0;
    if (sodium_base642bin(bin.data(), bin.size(), b64.data(), b64.size(), nullptr, &len, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
      out.emplace_back("<undecodable>");
      continue;
    }
    out.emplace_back(reinterpret_cast<const char*>(bin.data()), len);
  }
  return out;
}

// Whether every multi-octet UTF-8 sequence is complete (enough for "not cut in half").
bool is_whole_utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    if (lead >= 0xF0) {
      extra = 3;
    } else if (lead >= 0xE0) {
      extra = 2;
    } else if (lead >= 0xC0) {
      extra = 1;
    } else if (lead >= 0x80) {
      return false;  // a continuation octet without its lead
    }
    for (std::size_t k = 1; k <= extra; ++k) {
      if (i + k >= s.size() || (static_cast<unsigned char>(s[i + k]) & 0xC0U) != 0x80U) {
        return false;
      }
    }
    i += extra + 1;
  }
  return true;
}

// Seconds between an RFC 5322 date in UTC ("Mon, 03 Mar 2025 10:04:05 +0000") and now.
long long seconds_from_now(const std::string& date) {
  static const std::regex re(
      R"(^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) \+0000$)");
  std::smatch m;
  if (!std::regex_match(date, m, re)) {
    return 1'000'000'000;
  }
  const std::string months = "JanFebMarAprMayJunJulAugSepOctNovDec";
  std::tm tm{};
  tm.tm_mday = std::stoi(m[2]);
  tm.tm_mon = static_cast<int>(months.find(m[3]) / 3);
  tm.tm_year = std::stoi(m[4]) - 1900;
  tm.tm_hour = std::stoi(m[5]);
  tm.tm_min = std::stoi(m[6]);
  tm.tm_sec = std::stoi(m[7]);
  return static_cast<long long>(timegm(&tm)) - static_cast<long long>(std::time(nullptr));
}

// A plain TCP client for checking the fake server itself: send a line, read one reply.
class RawSmtpClient {
 public:
  explicit RawSmtpClient(std::uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("cannot connect to the fake smtp server");
    }
  }
  ~RawSmtpClient() { close(fd_); }
  RawSmtpClient(const RawSmtpClient&) = delete;
  RawSmtpClient& operator=(const RawSmtpClient&) = delete;
  RawSmtpClient(RawSmtpClient&&) = delete;
  RawSmtpClient& operator=(RawSmtpClient&&) = delete;

  void send_raw(const std::string& text) const {
    ASSERT_EQ(::send(fd_, text.data(), text.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(text.size()));
  }
  // The complete reply (all of a multi-line reply), without the final CRLF.
  std::string reply() {
    for (;;) {
      // A reply ends with a line whose fourth character is a space ("250 OK").
      std::size_t start = 0;
      for (auto eol = buffer_.find("\r\n"); eol != std::string::npos;
           eol = buffer_.find("\r\n", start)) {
        if (eol - start >= 3 && (eol - start == 3 || buffer_[start + 3] == ' ')) {
          std::string out = buffer_.substr(0, eol);
          buffer_.erase(0, eol + 2);
          return out;
        }
        start = eol + 2;
      }
      pollfd p{fd_, POLLIN, 0};
      std::array<char, 1024> chunk{};
      if (poll(&p, 1, 5000) <= 0) {
        return "<timeout>";
      }
      const ssize_t n = read(fd_, chunk.data(), chunk.size());
      if (n <= 0) {
        return "<closed>";
      }
      buffer_.append(chunk.data(), static_cast<std::size_t>(n));
    }
  }
  std::string command(const std::string& line) {
    send_raw(line + "\r\n");
    return reply();
  }

 private:
  int fd_;
  std::string buffer_;
};

std::string code_of(const std::string& reply) {
  return reply.substr(0, 3);
}

}  // namespace

TEST(SmtpMailer, DeliversEnvelopeHeadersAndBodyExactly) {
  FakeSmtpServer server;
  SmtpMailer mailer(options_for(server.url()));

  mailer.send(Mail{"budi@example.id", "Your Tiket login code",
                   "Kode Anda: 482913\n"
                   ".this line starts with a dot\n"
                   "..and this one with two\n"
                   ".\n"
                   "Harga: 150.000 Rupiah \xE2\x80\x93 tiket"});

  ASSERT_TRUE(server.wait_for_messages(1, kWait));
  const auto messages = server.messages();
  ASSERT_EQ(messages.size(), 1U);
  const ReceivedMail& m = messages[0];
  EXPECT_EQ(m.mail_from, kFrom);
  EXPECT_EQ(m.rcpt_to, std::vector<std::string>{"budi@example.id"});
  EXPECT_EQ(m.header("From"), kFrom);
  EXPECT_EQ(m.header("To"), "budi@example.id");
  EXPECT_EQ(m.header("Subject"), "Your Tiket login code");
  EXPECT_EQ(m.header("MIME-Version"), "1.0");
  EXPECT_EQ(m.header("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(m.header("Content-Transfer-Encoding"), "8bit");
  EXPECT_TRUE(std::regex_match(m.header("Message-ID"), std::regex(R"(<[0-9a-f]{32}@tiket\.test>)")))
      << m.header("Message-ID");
  EXPECT_LE(std::abs(seconds_from_now(m.header("Date"))), 120) << m.header("Date");
  for (const char* name : {"date", "from", "to", "subject", "message-id", "mime-version",
                           "content-type", "content-transfer-encoding"}) {
    EXPECT_EQ(m.headers.count(name), 1U) << name;
  }
  EXPECT_EQ(m.headers.size(), 8U);
  // Dot-stuffed by curl, unstuffed by the server: the lines arrive as written, with CRLF endings
  // and a final CRLF added.
  EXPECT_EQ(m.body,
            "Kode Anda: 482913\r\n"
            ".this line starts with a dot\r\n"
            "..and this one with two\r\n"
            ".\r\n"
            "Harga: 150.000 Rupiah \xE2\x80\x93 tiket\r\n");
  for (std::size_t i = m.data.find('\n'); i != std::string::npos; i = m.data.find('\n', i + 1)) {
    ASSERT_TRUE(i > 0 && m.data[i - 1] == '\r') << "bare LF at offset " << i;
  }
}

TEST(SmtpMailer, EachMailGetsItsOwnMessageId) {
  FakeSmtpServer server;
  SmtpMailer mailer(options_for(server.url()));
  mailer.send(login_mail());
  mailer.send(login_mail("siti@example.id"));

  ASSERT_TRUE(server.wait_for_messages(2, kWait));
  const auto messages = server.messages();
  EXPECT_EQ(messages[1].rcpt_to, std::vector<std::string>{"siti@example.id"});
  EXPECT_NE(messages[0].header("Message-ID"), messages[1].header("Message-ID"));
}

TEST(SmtpMailer, SubjectCannotInjectHeadersOrRecipients) {
  FakeSmtpServer server;
  SmtpMailer mailer(options_for(server.url()));
  mailer.send(Mail{"budi@example.id", "Login\r\nBcc: evil@x\nX-Evil: 1\r\n\r\nfake body", "Hi"});

  ASSERT_TRUE(server.wait_for_messages(1, kWait));
  const ReceivedMail m = server.messages().at(0);
  EXPECT_EQ(m.headers.count("bcc"), 0U);
  EXPECT_EQ(m.headers.count("x-evil"), 0U);
  EXPECT_EQ(m.rcpt_to, std::vector<std::string>{"budi@example.id"});
  EXPECT_EQ(m.header("Subject"), "LoginBcc: evil@xX-Evil: 1fake body");
  EXPECT_EQ(m.body, "Hi\r\n");
}

TEST(SmtpMailer, EncodesANonAsciiSubjectAsRfc2047Words) {
  FakeSmtpServer server;
  SmtpMailer mailer(options_for(server.url()));
  // Long enough to need several encoded-words, and made of 3-octet en dashes after a 5-octet
  // prefix, so that cutting at a fixed octet count would split a character between two words.
  std::string subject = "Kode ";
  for (int i = 0; i < 30; ++i) {
    subject += "\xE2\x80\x93";
  }
  subject += " tiket";
  mailer.send(Mail{"budi@example.id", subject, "Hi"});

  ASSERT_TRUE(server.wait_for_messages(1, kWait));
  const ReceivedMail m = server.messages().at(0);
  const std::string header = m.header("Subject");
  for (const char c : header) {
    ASSERT_LT(static_cast<unsigned char>(c), 0x80) << header;
  }
  EXPECT_TRUE(header.starts_with("=?UTF-8?B?")) << header;
  EXPECT_NE(header.find("?= =?UTF-8?B?"), std::string::npos) << "several words: " << header;
  const auto words = decode_encoded_words(header);
  std::string decoded;
  for (const auto& w : words) {
    EXPECT_TRUE(is_whole_utf8(w)) << "a word must decode on its own: " << header;
    decoded += w;
  }
  EXPECT_EQ(decoded, subject);
  // Folded: every physical line of the header block stays within 76 characters (RFC 2047 2).
  const std::string head = m.data.substr(0, m.data.find("\r\n\r\n"));
  std::size_t start = 0;
  while (start < head.size()) {
    const auto eol = std::min(head.find("\r\n", start), head.size());
    EXPECT_LE(eol - start, 76U) << head.substr(start, eol - start);
    start = eol + 2;
  }
}

class SmtpMailerRejectsAddress : public ::testing::TestWithParam<std::string> {};

TEST_P(SmtpMailerRejectsAddress, BeforeConnecting) {
  FakeSmtpServer server;
  SmtpMailer mailer(options_for(server.url()));
  EXPECT_THROW(mailer.send(login_mail(GetParam())), std::invalid_argument);
  EXPECT_EQ(server.connections(), 0U);
  EXPECT_TRUE(server.messages().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Invalid, SmtpMailerRejectsAddress,
    ::testing::Values("", "no-at-sign", "@example.id", "budi@", "budi@example.id, evil@x",
                      "<budi@example.id>", "budi@example.id>\r\nRCPT TO:<evil@x",
                      "budi@example.id\r\n", "budi@example.id\n", "bu di@example.id",
                      "budi@example.id\t", "bu<di@example.id", "bu>di@example.id",
                      "budi@example.id,siti@example.id", std::string(250, 'a') + "@example.id",
                      std::string("budi\0@example.id", 16), "budi\x7f@example.id"));

TEST(SmtpMailer, RejectsABadSenderOrUrlAtConstruction) {
  auto o = options_for("smtp://127.0.0.1:25");
  o.from = "noreply@tiket.test\r\nBcc: evil@x";
  EXPECT_THROW(SmtpMailer{o}, std::invalid_argument);
  o = options_for("http://127.0.0.1:25");
  EXPECT_THROW(SmtpMailer{o}, std::invalid_argument);
  o = options_for("smtp://127.0.0.1:25");
  o.timeout = std::chrono::seconds(0);
  EXPECT_THROW(SmtpMailer{o}, std::invalid_argument);
}

TEST(SmtpMailer, RejectedRecipientBecomesAnErrorWithTheSmtpStatusButNoPassword) {
  FakeSmtpServer server;
  server.require_auth("mailer", kPassword);
  server.reject_recipients_with(550);
  auto o = options_for(server.url());
  o.username = "mailer";
  o.password = kPassword;
  SmtpMailer mailer(o);

  const std::string error = send_error(mailer, login_mail());
  EXPECT_TRUE(error.starts_with("smtp: ")) << error;
  EXPECT_NE(error.find("550"), std::string::npos) << error;
  EXPECT_EQ(error.find(kPassword), std::string::npos) << error;
  EXPECT_EQ(error.find(base64_of(std::string("\0mailer\0", 8) + kPassword)), std::string::npos);
  EXPECT_TRUE(server.messages().empty());
}

TEST(SmtpMailer, ConnectionRefusedFailsQuickly) {
  // A bound socket that never listens: connecting to its port is refused, and nobody else can
  // take the port while the test runs.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  auto o = options_for("smtp://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)));
  // The connect timeout is far above the bound: a refusal must end the send, not the timeout.
  o.connect_timeout = std::chrono::seconds(30);
  SmtpMailer mailer(o);

  const auto start = std::chrono::steady_clock::now();
  const std::string error = send_error(mailer, login_mail());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  close(fd);
  EXPECT_TRUE(error.starts_with("smtp: ")) << error;
  EXPECT_NE(error.find("(SMTP status 0)"), std::string::npos) << error;
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

// The timeout bounds the whole send. The connect timeout is set far above it, so that only the
// total timeout can end these sends in time (curl counts the greeting and EHLO as part of
// connecting). After the data, curl_easy_cleanup still sends QUIT and waits for the reply (up to
// CURLOPT_SERVER_RESPONSE_TIMEOUT, 120 s unless set), so a send can take up to twice the timeout.
class SmtpMailerHungServer : public ::testing::TestWithParam<FakeSmtpServer::Stall> {};

TEST_P(SmtpMailerHungServer, TimesOut) {
  FakeSmtpServer server;
  server.stall(GetParam());
  auto o = options_for(server.url());
  o.connect_timeout = std::chrono::seconds(30);
  o.timeout = std::chrono::seconds(1);
  SmtpMailer mailer(o);

  const auto start = std::chrono::steady_clock::now();
  const std::string error = send_error(mailer, login_mail());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_NE(error.find("Timeout"), std::string::npos) << error;
  EXPECT_GE(elapsed, std::chrono::milliseconds(900));
  // Twice the timeout, plus slack for a slow runner; still far below the 30 s connect timeout.
  EXPECT_LT(elapsed, std::chrono::seconds(6));
  EXPECT_EQ(server.connections(), 1U);
  EXPECT_TRUE(server.messages().empty());
}

INSTANTIATE_TEST_SUITE_P(Stalls, SmtpMailerHungServer,
                         ::testing::Values(FakeSmtpServer::Stall::kGreeting,
                                           FakeSmtpServer::Stall::kEndOfData),
                         [](const auto& param_info) {
                           return param_info.param == FakeSmtpServer::Stall::kGreeting
                                      ? "BeforeTheGreeting"
                                      : "AfterTheData";
                         });

// Every reply comes in time for CURLOPT_SERVER_RESPONSE_TIMEOUT, but the conversation as a whole
// (greeting, EHLO, MAIL, RCPT, DATA, end of data: 6 x 700 ms) takes longer than the timeout.
TEST(SmtpMailer, SlowServerHitsTheTotalTimeout) {
  FakeSmtpServer server;
  server.delay_replies(std::chrono::milliseconds(700));
  auto o = options_for(server.url());
  o.connect_timeout = std::chrono::seconds(30);
  o.timeout = std::chrono::seconds(2);
  SmtpMailer mailer(o);

  const auto start = std::chrono::steady_clock::now();
  const std::string error = send_error(mailer, login_mail());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_NE(error.find("Timeout"), std::string::npos) << error;
  // Without the total timeout the conversation would run 6 x 700 ms and succeed.
  EXPECT_LT(elapsed, std::chrono::seconds(8));
  EXPECT_TRUE(server.messages().empty());
}

TEST(SmtpMailer, RequiredTlsIsNotSilentlySkipped) {
  // The server offers no STARTTLS: with require_tls the mail must not go out in plain text.
  FakeSmtpServer server;
  auto o = options_for(server.url());
  o.require_tls = true;
  SmtpMailer mailer(o);

  const std::string error = send_error(mailer, login_mail());
  EXPECT_TRUE(error.starts_with("smtp: ")) << error;
  EXPECT_EQ(server.connections(), 1U);
  EXPECT_TRUE(server.messages().empty());
}

TEST(SmtpMailer, AuthenticatesWithAuthPlain) {
  FakeSmtpServer server;
  server.require_auth("mailer", kPassword);
  auto o = options_for(server.url());
  o.username = "mailer";
  o.password = kPassword;
  SmtpMailer mailer(o);
  mailer.send(login_mail());

  ASSERT_TRUE(server.wait_for_messages(1, kWait));
  EXPECT_EQ(server.messages().at(0).auth_user, "mailer");
}

// libcurl's behaviour, pinned because it matters in operation: credentials are only used when
// the server advertises AUTH; a relay that offers none gets the mail unauthenticated, no error.
TEST(SmtpMailer, SendsWithoutAuthWhenTheServerOffersNone) {
  FakeSmtpServer server;
  auto o = options_for(server.url());
  o.username = "mailer";
  o.password = kPassword;
  SmtpMailer mailer(o);
  mailer.send(login_mail());

  ASSERT_TRUE(server.wait_for_messages(1, kWait));
  EXPECT_EQ(server.messages().at(0).auth_user, "");
}

TEST(SmtpMailer, WrongPasswordFailsWith535AndDoesNotLeakIt) {
  FakeSmtpServer server;
  server.require_auth("mailer", kPassword);
  auto o = options_for(server.url());
  o.username = "mailer";
  o.password = "wrong-Pa55word";
  SmtpMailer mailer(o);

  const std::string error = send_error(mailer, login_mail());
  EXPECT_NE(error.find("535"), std::string::npos) << error;
  EXPECT_EQ(error.find("wrong-Pa55word"), std::string::npos) << error;
  EXPECT_TRUE(server.messages().empty());
}

TEST(SmtpMailer, MissingCredentialsAreRefusedByAServerThatRequiresAuth) {
  FakeSmtpServer server;
  server.require_auth("mailer", kPassword);
  SmtpMailer mailer(options_for(server.url()));

  const std::string error = send_error(mailer, login_mail());
  EXPECT_NE(error.find("530"), std::string::npos) << error;
  EXPECT_TRUE(server.messages().empty());
}

// The fake is the oracle for the tests above, so check that it speaks SMTP like a real server.
TEST(FakeSmtpServer, AnswersLikeAnRfc5321Server) {
  FakeSmtpServer server;
  server.require_auth("mailer", kPassword);
  RawSmtpClient c(server.port());
  EXPECT_EQ(code_of(c.reply()), "220");
  EXPECT_EQ(code_of(c.command("MAIL FROM:<a@b.c>")), "503");  // before EHLO
  EXPECT_EQ(code_of(c.command("FROB")), "500");
  const std::string ehlo = c.command("EHLO client.test");
  EXPECT_NE(ehlo.find("250-SIZE 1048576"), std::string::npos) << ehlo;
  EXPECT_NE(ehlo.find("250-8BITMIME"), std::string::npos) << ehlo;
  EXPECT_NE(ehlo.find("250 AUTH PLAIN"), std::string::npos) << ehlo;
  EXPECT_EQ(ehlo.find("STARTTLS"), std::string::npos) << ehlo;
  EXPECT_EQ(code_of(c.command("MAIL FROM:<a@b.c>")), "530");  // auth required
  EXPECT_EQ(code_of(c.command("AUTH PLAIN " + base64_of(std::string("\0mailer\0nope", 12)))),
            "535");
  EXPECT_EQ(code_of(c.command("AUTH PLAIN")), "334");
  EXPECT_EQ(code_of(c.command(base64_of(std::string("\0mailer\0", 8) + kPassword))), "235");
  EXPECT_EQ(code_of(c.command("RCPT TO:<x@y.z>")), "503");  // before MAIL
  EXPECT_EQ(code_of(c.command("DATA")), "503");
  EXPECT_EQ(code_of(c.command("MAIL FROM:<a@b.c> SMTPUTF8")), "555");
  EXPECT_EQ(code_of(c.command("MAIL FROM:<a@b.c> SIZE=2000000")), "552");
  EXPECT_EQ(code_of(c.command("MAIL FROM:<a@b.c> BODY=8BITMIME")), "250");
  EXPECT_EQ(code_of(c.command("MAIL FROM:<a@b.c>")), "503");  // nested
  EXPECT_EQ(code_of(c.command("RCPT TO:<one@y.z>")), "250");
  EXPECT_EQ(code_of(c.command("RCPT TO:<two@y.z>")), "250");
  EXPECT_EQ(code_of(c.command("NOOP")), "250");
  EXPECT_EQ(code_of(c.command("DATA")), "354");
  c.send_raw("Subject: hi\r\n\r\n..dot\r\n.\n.x\r\n");
  EXPECT_EQ(code_of(c.command(".")), "250");
  EXPECT_EQ(code_of(c.command("DATA")), "503");  // the transaction is over
  EXPECT_EQ(code_of(c.command("MAIL FROM:<>")), "250");
  EXPECT_EQ(code_of(c.command("RSET")), "250");
  EXPECT_EQ(code_of(c.command("RCPT TO:<x@y.z>")), "503");  // RSET ended the transaction
  EXPECT_EQ(code_of(c.command("QUIT")), "221");

  ASSERT_TRUE(server.wait_for_messages(1, kWait));
  const ReceivedMail m = server.messages().at(0);
  EXPECT_EQ(m.mail_from, "a@b.c");
  EXPECT_EQ(m.rcpt_to, (std::vector<std::string>{"one@y.z", "two@y.z"}));
  EXPECT_EQ(m.auth_user, "mailer");
  EXPECT_EQ(m.header("subject"), "hi");
  // One leading dot removed; ".\n" (bare LF) does not end the data.
  EXPECT_EQ(m.body, ".dot\r\n\nx\r\n");
}
