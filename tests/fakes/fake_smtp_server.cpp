#include "fakes/fake_smtp_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace tiket::test {

namespace {

constexpr std::size_t kMaxCommandLine = 512;  // RFC 5321 4.5.3.1.4, CRLF included
constexpr std::size_t kMaxRecipients = 100;   // RFC 5321 4.5.3.1.8: at least 100 must be taken
constexpr std::size_t kMaxBuffered = 65536;   // a "line" longer than this is abuse: hang up

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && upper(s.substr(0, prefix.size())) == upper(prefix);
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// RFC 4648 base64 (standard alphabet, padding required), as AUTH PLAIN uses it.
std::optional<std::string> base64_decode(std::string_view in) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (in.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string out;
  std::uint32_t acc = 0;
  std::size_t pad = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    std::uint32_t v = 0;
    if (c == '=') {
      if (i + 2 < in.size()) {  // '=' only in the last two places
        return std::nullopt;
      }
      ++pad;
    } else {
      if (pad != 0) {
        return std::nullopt;
      }
      const auto pos = kAlphabet.find(c);
      if (pos == std::string_view::npos) {
        return std::nullopt;
      }
      v = static_cast<std::uint32_t>(pos);
    }
    acc = (acc << 6U) | v;
    if (i % 4 == 3) {
      out.push_back(static_cast<char>((acc >> 16U) & 0xFFU));
      out.push_back(static_cast<char>((acc >> 8U) & 0xFFU));
      out.push_back(static_cast<char>(acc & 0xFFU));
      acc = 0;
    }
  }
  out.resize(out.size() - pad);
  return out;
}

// "<path> PARAM=VALUE ..." after "FROM:" or "TO:". Returns the path and the parameter text.
std::optional<std::pair<std::string, std::string>> parse_path(std::string_view rest) {
  if (rest.empty() || rest.front() != '<') {
    return std::nullopt;
  }
  const auto close = rest.find('>');
  if (close == std::string_view::npos) {
    return std::nullopt;
  }
  std::string path(rest.substr(1, close - 1));
  const std::string_view params = rest.substr(close + 1);
  if (!params.empty() && params.front() != ' ') {
    return std::nullopt;
  }
  if (path.find_first_of("<> \t") != std::string::npos) {
    return std::nullopt;
  }
  return std::make_pair(std::move(path), std::string(trim(params)));
}

std::vector<std::string> split_params(std::string_view params) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < params.size()) {
    const auto end = std::min(params.find(' ', pos), params.size());
    if (end > pos) {
      out.emplace_back(params.substr(pos, end - pos));
    }
    pos = end + 1;
  }
  return out;
}

void parse_message(ReceivedMail& mail) {
  const std::string& data = mail.data;
  std::size_t header_end = 0;
  std::size_t body_start = 0;
  if (data.starts_with("\r\n")) {
    body_start = 2;
  } else {
    const auto blank = data.find("\r\n\r\n");
    header_end = blank == std::string::npos ? data.size() : blank + 2;
    body_start = blank == std::string::npos ? data.size() : blank + 4;
  }
  mail.body = data.substr(body_start);

  // Split the header block into CRLF-terminated lines and unfold continuation lines.
  std::vector<std::string> fields;
  std::size_t pos = 0;
  while (pos < header_end) {
    auto eol = data.find("\r\n", pos);
    if (eol == std::string::npos || eol > header_end) {
      eol = header_end;
    }
    const std::string line = data.substr(pos, eol - pos);
    if (!fields.empty() && !line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      fields.back() += line;
    } else {
      fields.push_back(line);
    }
    pos = eol + 2;
  }
  for (const auto& field : fields) {
    const auto colon = field.find(':');
    if (colon == std::string::npos) {
      continue;  // not a header field; kept in data for a test to find
    }
    mail.headers.emplace(lower(field.substr(0, colon)),
                         std::string(trim(std::string_view(field).substr(colon + 1))));
  }
}

}  // namespace

std::string ReceivedMail::header(const std::string& name) const {
  const auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

struct FakeSmtpServer::Session {
  int fd = -1;
  bool greeted = false;
  bool esmtp = false;
  bool quit = false;
  bool in_data = false;
  bool awaiting_auth_response = false;
  bool too_big = false;
  bool hung = false;
  std::optional<std::string> mail_from;
  std::vector<std::string> rcpt_to;
  std::string data;
  std::string auth_user;
  // A snapshot of the server's settings when the session started.
  bool auth_required = false;
  std::string expected_user;
  std::string expected_password;

  std::chrono::milliseconds delay{0};

  void reply(const std::string& text) const {
    if (delay.count() > 0) {
      std::this_thread::sleep_for(delay);
    }
    const std::string out = text + "\r\n";
    std::size_t off = 0;
    while (off < out.size()) {
      // MSG_NOSIGNAL: a client that hung up must not kill the test binary with SIGPIPE.
      const ssize_t n = ::send(fd, out.data() + off, out.size() - off, MSG_NOSIGNAL);
      if (n <= 0) {
        return;
      }
      off += static_cast<std::size_t>(n);
    }
  }

  void reset_transaction() {
    mail_from.reset();
    rcpt_to.clear();
    data.clear();
    too_big = false;
    in_data = false;
  }
};

FakeSmtpServer::FakeSmtpServer() {
  std::array<int, 2> wake{};
  if (pipe2(wake.data(), O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("fake smtp: pipe: ") + std::strerror(errno));
  }
  wake_read_ = wake[0];
  wake_write_ = wake[1];

  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;  // the kernel picks a free port
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listener_, 16) != 0 ||
      getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    if (listener_ >= 0) {
      close(listener_);
    }
    close(wake_read_);
    close(wake_write_);
    throw std::runtime_error(std::string("fake smtp: cannot listen: ") + std::strerror(err));
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { run(); });
}

FakeSmtpServer::~FakeSmtpServer() {
  // The byte is never read, so every later poll in the server thread sees the pipe readable.
  const char stop = 'x';
  if (write(wake_write_, &stop, 1) != 1) {
    // Nothing sensible to do in a destructor; join() would then hang, so fail loudly.
    std::terminate();
  }
  thread_.join();
  close(listener_);
  close(wake_read_);
  close(wake_write_);
}

std::string FakeSmtpServer::url() const {
  return "smtp://127.0.0.1:" + std::to_string(port_);
}

std::vector<ReceivedMail> FakeSmtpServer::messages() const {
  const std::lock_guard lock(mutex_);
  return messages_;
}

bool FakeSmtpServer::wait_for_messages(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return delivered_.wait_for(lock, timeout, [&] { return messages_.size() >= n; });
}

void FakeSmtpServer::require_auth(std::string user, std::string password) {
  const std::lock_guard lock(mutex_);
  auth_required_ = true;
  auth_user_ = std::move(user);
  auth_password_ = std::move(password);
}

void FakeSmtpServer::run() {
  for (;;) {
    std::array<pollfd, 2> fds{{{listener_, POLLIN, 0}, {wake_read_, POLLIN, 0}}};
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;
    }
    if ((fds[1].revents & POLLIN) != 0) {
      return;
    }
    if ((fds[0].revents & POLLIN) == 0) {
      continue;
    }
    const int client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      continue;
    }
    ++connections_;
    serve(client);
    close(client);
  }
}

// Reads one LF-terminated line (the LF and any CR before it kept). False when the client went
// away, sent an absurdly long line, or the server is stopping.
bool FakeSmtpServer::read_line(int client, std::string& buffer, std::string& line) const {
  for (;;) {
    const auto lf = buffer.find('\n');
    if (lf != std::string::npos) {
      line = buffer.substr(0, lf + 1);
      buffer.erase(0, lf + 1);
      return true;
    }
    if (buffer.size() > kMaxBuffered) {
      return false;
    }
    std::array<pollfd, 2> fds{{{client, POLLIN, 0}, {wake_read_, POLLIN, 0}}};
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    if ((fds[1].revents & POLLIN) != 0) {
      return false;
    }
    std::array<char, 4096> chunk{};
    const ssize_t n = read(client, chunk.data(), chunk.size());
    if (n <= 0) {
      return false;
    }
    buffer.append(chunk.data(), static_cast<std::size_t>(n));
  }
}

void FakeSmtpServer::serve(int client) {
  Session s;
  s.fd = client;
  {
    const std::lock_guard lock(mutex_);
    s.auth_required = auth_required_;
    s.expected_user = auth_user_;
    s.expected_password = auth_password_;
  }
  s.delay = std::chrono::milliseconds(reply_delay_ms_.load());
  std::string buffer;
  std::string line;
  if (stall_ == Stall::kGreeting) {
    while (read_line(client, buffer, line)) {
      // A hung server reads and never answers.
    }
    return;
  }
  s.reply("220 fake.smtp.test ESMTP ready");
  while (!s.quit && read_line(client, buffer, line)) {
    if (s.hung) {
      continue;  // reads and never answers
    }
    if (s.in_data) {
      handle_data_line(s, line);
    } else if (s.awaiting_auth_response) {
      s.awaiting_auth_response = false;
      std::string response(trim(line));
      if (response == "*") {
        s.reply("501 5.0.0 Authentication cancelled");
      } else {
        check_plain_response(s, response);
      }
    } else if (line.size() > kMaxCommandLine) {
      s.reply("500 5.5.2 Line too long");
    } else {
      handle_command(s, line);
    }
  }
}

void FakeSmtpServer::handle_command(Session& s, const std::string& raw_line) {
  std::string_view line(raw_line);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  const auto space = line.find(' ');
  const std::string verb = upper(line.substr(0, space));
  const std::string_view args =
      space == std::string_view::npos ? std::string_view() : trim(line.substr(space + 1));

  if (verb == "EHLO" || verb == "HELO") {
    if (args.empty()) {
      s.reply("501 5.5.4 " + verb + " needs a domain");
      return;
    }
    s.reset_transaction();
    s.greeted = true;
    s.esmtp = verb == "EHLO";
    if (!s.esmtp) {
      s.reply("250 fake.smtp.test");
      return;
    }
    std::vector<std::string> lines{"fake.smtp.test greets " + std::string(args),
                                   "SIZE " + std::to_string(kMaxMessageSize), "8BITMIME"};
    if (s.auth_required) {
      lines.emplace_back("AUTH PLAIN");
    }
    std::string text;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      text += (i + 1 < lines.size() ? "250-" : "250 ") + lines[i];
      if (i + 1 < lines.size()) {
        text += "\r\n";
      }
    }
    s.reply(text);
  } else if (verb == "AUTH") {
    handle_auth(s, std::string(args));
  } else if (verb == "MAIL") {
    handle_mail(s, std::string(args));
  } else if (verb == "RCPT") {
    handle_rcpt(s, std::string(args));
  } else if (verb == "DATA") {
    if (!args.empty()) {
      s.reply("501 5.5.4 DATA takes no arguments");
    } else if (!s.mail_from) {
      s.reply("503 5.5.1 Need MAIL command");
    } else if (s.rcpt_to.empty()) {
      s.reply("503 5.5.1 Need RCPT command");
    } else {
      s.in_data = true;
      s.reply("354 End data with <CR><LF>.<CR><LF>");
    }
  } else if (verb == "RSET") {
    if (!args.empty()) {
      s.reply("501 5.5.4 RSET takes no arguments");
      return;
    }
    s.reset_transaction();
    s.reply("250 2.0.0 OK");
  } else if (verb == "NOOP") {
    s.reply("250 2.0.0 OK");
  } else if (verb == "VRFY") {
    s.reply("252 2.5.2 Cannot VRFY user");
  } else if (verb == "QUIT") {
    s.reply("221 2.0.0 Bye");
    s.quit = true;
  } else {
    s.reply("500 5.5.2 Command not recognized");
  }
}

void FakeSmtpServer::handle_auth(Session& s, const std::string& args) {
  if (!s.auth_required) {
    s.reply("502 5.5.1 AUTH not available");  // not advertised
    return;
  }
  if (!s.esmtp) {
    s.reply("503 5.5.1 EHLO first");
    return;
  }
  if (!s.auth_user.empty()) {
    s.reply("503 5.5.1 Already authenticated");
    return;
  }
  if (s.mail_from) {
    s.reply("503 5.5.1 AUTH not allowed during a mail transaction");
    return;
  }
  const auto space = args.find(' ');
  const std::string mechanism = upper(args.substr(0, space));
  if (mechanism != "PLAIN") {
    s.reply("504 5.5.4 Unrecognized authentication type");
    return;
  }
  if (space == std::string::npos) {
    s.awaiting_auth_response = true;  // RFC 4954: empty challenge, the client sends the response
    s.reply("334 ");
    return;
  }
  const std::string initial(trim(std::string_view(args).substr(space + 1)));
  check_plain_response(s, initial == "=" ? std::string() : initial);
}

void FakeSmtpServer::check_plain_response(Session& s, const std::string& encoded) {
  const auto decoded = base64_decode(encoded);
  if (!decoded) {
    s.reply("501 5.5.2 Cannot decode response");
    return;
  }
  // RFC 4616: [authzid] NUL authcid NUL passwd
  const auto first = decoded->find('\0');
  const auto second = first == std::string::npos ? first : decoded->find('\0', first + 1);
  if (second == std::string::npos) {
    s.reply("501 5.5.2 Malformed PLAIN response");
    return;
  }
  const std::string authzid = decoded->substr(0, first);
  const std::string user = decoded->substr(first + 1, second - first - 1);
  const std::string password = decoded->substr(second + 1);
  if ((authzid.empty() || authzid == user) && user == s.expected_user &&
      password == s.expected_password) {
    s.auth_user = user;
    s.reply("235 2.7.0 Authentication successful");
  } else {
    s.reply("535 5.7.8 Authentication credentials invalid");
  }
}

void FakeSmtpServer::handle_mail(Session& s, const std::string& args) {
  if (!s.greeted) {
    s.reply("503 5.5.1 Send HELO/EHLO first");
    return;
  }
  if (s.mail_from) {
    s.reply("503 5.5.1 Nested MAIL command");
    return;
  }
  if (s.auth_required && s.auth_user.empty()) {
    s.reply("530 5.7.0 Authentication required");
    return;
  }
  if (!starts_with_nocase(args, "FROM:")) {
    s.reply("501 5.5.4 Syntax: MAIL FROM:<address>");
    return;
  }
  const auto parsed = parse_path(trim(std::string_view(args).substr(5)));
  if (!parsed) {
    s.reply("501 5.1.7 Bad sender address syntax");
    return;
  }
  for (const auto& param : split_params(parsed->second)) {
    const auto eq = param.find('=');
    const std::string key = upper(param.substr(0, eq));
    const std::string value = eq == std::string::npos ? std::string() : param.substr(eq + 1);
    if (!s.esmtp) {
      s.reply("555 5.5.4 Parameters need EHLO");
      return;
    }
    if (key == "SIZE") {
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) {
        s.reply("501 5.5.4 Bad SIZE parameter");
        return;
      }
      if (value.size() > 18 || std::stoull(value) > kMaxMessageSize) {
        s.reply("552 5.3.4 Message size exceeds fixed limit");
        return;
      }
    } else if (key == "BODY") {
      if (upper(value) != "7BIT" && upper(value) != "8BITMIME") {
        s.reply("501 5.5.4 Bad BODY parameter");
        return;
      }
    } else if (key != "AUTH" || !s.auth_required) {
      s.reply("555 5.5.4 Unsupported parameter " + key);
      return;
    }
  }
  s.mail_from = parsed->first;
  s.reply("250 2.1.0 OK");
}

void FakeSmtpServer::handle_rcpt(Session& s, const std::string& args) {
  if (!s.mail_from) {
    s.reply("503 5.5.1 Need MAIL before RCPT");
    return;
  }
  if (!starts_with_nocase(args, "TO:")) {
    s.reply("501 5.5.4 Syntax: RCPT TO:<address>");
    return;
  }
  const auto parsed = parse_path(trim(std::string_view(args).substr(3)));
  if (!parsed || parsed->first.empty() ||
      (parsed->first.find('@') == std::string::npos && lower(parsed->first) != "postmaster")) {
    s.reply("501 5.1.3 Bad recipient address syntax");
    return;
  }
  if (!parsed->second.empty()) {
    s.reply("555 5.5.4 RCPT parameters not supported");
    return;
  }
  if (const int code = reject_code_.load(); code != 0) {
    s.reply(std::to_string(code) + " 5.1.1 <" + parsed->first + ">: Recipient address rejected");
    return;
  }
  if (s.rcpt_to.size() >= kMaxRecipients) {
    s.reply("452 4.5.3 Too many recipients");
    return;
  }
  s.rcpt_to.push_back(parsed->first);
  s.reply("250 2.1.5 OK");
}

void FakeSmtpServer::handle_data_line(Session& s, const std::string& line) {
  // Only CRLF "." CRLF ends the data (RFC 5321 4.1.1.4). Accepting ".\n" as well is what made
  // SMTP smuggling possible, so a bare-LF dot line stays part of the message.
  if (line == ".\r\n") {
    if (stall_ == Stall::kEndOfData) {
      s.hung = true;
      return;
    }
    deliver(s);
    return;
  }
  if (s.too_big) {
    return;
  }
  // Transparency (RFC 5321 4.5.2): the client doubled every leading dot; remove one.
  const std::string_view text =
      line.front() == '.' ? std::string_view(line).substr(1) : std::string_view(line);
  if (s.data.size() + text.size() > kMaxMessageSize) {
    s.too_big = true;
    s.data.clear();
    return;
  }
  s.data.append(text);
}

void FakeSmtpServer::deliver(Session& s) {
  if (s.too_big) {
    s.reset_transaction();
    s.reply("552 5.3.4 Message size exceeds fixed limit");
    return;
  }
  ReceivedMail mail;
  mail.mail_from = *s.mail_from;
  mail.rcpt_to = s.rcpt_to;
  mail.auth_user = s.auth_user;
  mail.data = s.data;
  parse_message(mail);
  std::size_t id = 0;
  {
    const std::lock_guard lock(mutex_);
    messages_.push_back(std::move(mail));
    id = messages_.size();
  }
  delivered_.notify_all();
  s.reset_transaction();
  s.reply("250 2.0.0 OK: queued as " + std::to_string(id));
}

}  // namespace tiket::test
