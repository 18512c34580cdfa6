#include <curl/curl.h>
#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "auth/mailer.hpp"

namespace tiket::auth {

namespace {

// RFC 5322 2.1.1: a line is at most 998 octets before its CRLF.
constexpr std::size_t kMaxLineLength = 998;
// RFC 2047 2: a line holding an encoded-word is at most 76 characters. The first one also holds
// "Subject: " (9), and "=?UTF-8?B?" + "?=" take 12, which leaves 55 for the base64 text: 13
// groups of 4 characters, or 39 octets of UTF-8.
constexpr std::size_t kEncodedWordOctets = 39;

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;
using SlistHandle = std::unique_ptr<curl_slist, SlistDeleter>;

bool is_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7F;
}

// The address goes into the envelope (MAIL FROM:<...>, RCPT TO:<...>) and into a header. Anything
// that could close the angle brackets, add a second address or start a new line or command is
// refused instead of cleaned, because a cleaned address is a different address.
void check_address(std::string_view address, std::string_view what) {
  const auto at = address.rfind('@');
  const bool bad_char = std::any_of(address.begin(), address.end(), [](char c) {
    return is_control(c) || c == ' ' || c == '<' || c == '>' || c == ',';
  });
  if (bad_char || at == std::string_view::npos || at == 0 || at + 1 == address.size() ||
      address.size() > 254) {
    throw std::invalid_argument(std::string("smtp: invalid ") + std::string(what) + " address");
  }
}

void check_url(std::string_view url) {
  if (!url.starts_with("smtp://") && !url.starts_with("smtps://")) {
    throw std::invalid_argument("smtp: url must start with smtp:// or smtps://");
  }
}

// Header values must not carry line breaks (a CR or LF would start a header of the caller's
// choosing); other control characters except TAB are not allowed in a header either.
std::string header_text(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (!is_control(c) || c == '\t') {
      out.push_back(c);
    }
  }
  return out;
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string base64(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

// A Subject header value. Plain ASCII stays as it is; UTF-8 (not allowed raw in a header without
// SMTPUTF8) or an over-long subject becomes RFC 2047 encoded-words, one per folded line, each cut
// on a UTF-8 character boundary so that every word decodes on its own.
std::string subject_value(std::string_view subject) {
  if (is_ascii(subject) && subject.size() + 9 <= kMaxLineLength) {
    return std::string(subject);
  }
  std::string out;
  std::size_t pos = 0;
  while (pos < subject.size()) {
    std::size_t n = std::min(kEncodedWordOctets, subject.size() - pos);
    // Back up while the next octet is a UTF-8 continuation octet (10xxxxxx).
    while (n > 1 && pos + n < subject.size() &&
           (static_cast<unsigned char>(subject[pos + n]) & 0xC0U) == 0x80U) {
      --n;
    }
    if (!out.empty()) {
      out += "\r\n ";
    }
    out += "=?UTF-8?B?" + base64(subject.substr(pos, n)) + "?=";
    pos += n;
  }
  return out;
}

// The body with every line ending (CRLF, LF or a lone CR) as CRLF and a final CRLF, so that curl
// ends the data with ".\r\n" right after it.
std::string body_text(std::string_view body) {
  std::string out;
  out.reserve(body.size() + (body.size() / 16) + 2);
  std::size_t line_length = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < body.size() && body[i + 1] == '\n') {
        ++i;
      }
      out += "\r\n";
      line_length = 0;
      continue;
    }
    if (c == '\0') {
      throw std::invalid_argument("smtp: the body contains a NUL character");
    }
    // 8bit transfer encoding promises short lines (RFC 2045 2.8); a mail template never needs more.
    if (++line_length > kMaxLineLength) {
      throw std::invalid_argument("smtp: a body line is longer than 998 octets");
    }
    out.push_back(c);
  }
  if (!out.empty() && !out.ends_with("\r\n")) {
    out += "\r\n";
  }
  return out;
}

// RFC 5322 3.3 date-time in UTC, spelled out by hand because strftime's %a and %b follow the
// locale.
std::string rfc5322_date(std::chrono::system_clock::time_point when) {
  static constexpr std::array<std::string_view, 7> kDays{"Sun", "Mon", "Tue", "Wed",
                                                         "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> kMonths{
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000",
                     kDays.at(static_cast<std::size_t>(tm.tm_wday)), tm.tm_mday,
                     kMonths.at(static_cast<std::size_t>(tm.tm_mon)), tm.tm_year + 1900, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

// <128 random bits in hex @ the sender's domain>: unique without a counter shared between
// processes.
std::string message_id(std::string_view from) {
  std::array<unsigned char, 16> random{};
  randombytes_buf(random.data(), random.size());
  std::array<char, (16 * 2) + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), random.data(), random.size());
  return "<" + std::string(hex.data()) + "@" + std::string(from.substr(from.rfind('@') + 1)) + ">";
}

std::string build_message(const SmtpOptions& options, const Mail& mail, std::string_view body) {
  std::string m;
  m += "Date: " + rfc5322_date(std::chrono::system_clock::now()) + "\r\n";
  m += "From: " + header_text(options.from) + "\r\n";
  m += "To: " + header_text(mail.to) + "\r\n";
  m += "Subject: " + subject_value(header_text(mail.subject)) + "\r\n";
  m += "Message-ID: " + message_id(options.from) + "\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=UTF-8\r\n";
  m += "Content-Transfer-Encoding: 8bit\r\n";
  m += "\r\n";
  m += body;
  return m;
}

struct Upload {
  std::string_view data;
  std::size_t offset = 0;
};

// CURLOPT_READFUNCTION. curl does the SMTP dot-stuffing and appends the final "." line itself.
std::size_t read_message(char* buffer, std::size_t size, std::size_t nitems, void* userdata) {
  auto* upload = static_cast<Upload*>(userdata);
  const std::size_t n = std::min(size * nitems, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

template <typename T>
void set_option(CURL* curl, CURLoption option, T value) {
  const CURLcode rc = curl_easy_setopt(curl, option, value);
  if (rc != CURLE_OK) {
    throw std::runtime_error(std::string("smtp: cannot set up the transfer: ") +
                             curl_easy_strerror(rc));
  }
}

}  // namespace

SmtpMailer::SmtpMailer(SmtpOptions options) : options_(std::move(options)) {
  // Configuration mistakes surface at startup, not at the first login.
  check_url(options_.url);
  check_address(options_.from, "sender");
  // curl reads a timeout of 0 as "no timeout", which would let a hung relay hold a worker forever.
  if (options_.connect_timeout.count() <= 0 || options_.timeout.count() <= 0) {
    throw std::invalid_argument("smtp: timeouts must be positive");
  }
  // Idempotent and thread-safe; randombytes_buf for Message-ID needs it.
  if (sodium_init() < 0) {
    throw std::runtime_error("smtp: libsodium failed to initialise");
  }
}

void SmtpMailer::send(const Mail& mail) {
  check_address(mail.to, "recipient");
  const std::string message = build_message(options_, mail, body_text(mail.body));
  Upload upload{message, 0};

  // Declared before the easy handle so it is freed after it: curl keeps the list's pointer, it
  // does not copy it.
  SlistHandle recipients(curl_slist_append(nullptr, ("<" + mail.to + ">").c_str()));
  const CurlHandle curl(curl_easy_init());
  if (!recipients || !curl) {
    throw std::runtime_error("smtp: out of memory");
  }
  CURL* h = curl.get();
  set_option(h, CURLOPT_URL, options_.url.c_str());
  // Never follow the URL into another protocol: with UPLOAD set, http:// would PUT the mail.
  set_option(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  set_option(h, CURLOPT_MAIL_FROM, ("<" + options_.from + ">").c_str());
  set_option(h, CURLOPT_MAIL_RCPT, recipients.get());
  // Without UPLOAD, curl treats MAIL_RCPT as a VRFY request and sends no mail at all.
  set_option(h, CURLOPT_UPLOAD, 1L);
  set_option(h, CURLOPT_READFUNCTION, &read_message);
  set_option(h, CURLOPT_READDATA, &upload);
  if (!options_.username.empty()) {
    set_option(h, CURLOPT_USERNAME, options_.username.c_str());
  }
  if (!options_.password.empty()) {
    set_option(h, CURLOPT_PASSWORD, options_.password.c_str());
  }
  if (options_.require_tls) {
    set_option(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  }
  set_option(h, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.connect_timeout.count()));
  set_option(h, CURLOPT_TIMEOUT, static_cast<long>(options_.timeout.count()));
  // CURLOPT_TIMEOUT does not cover the QUIT that curl_easy_cleanup sends: that waits for the
  // server's reply up to this limit, 120 s by default. Against a relay that hangs after the data
  // a send then took ~2 minutes; now it takes at most twice the timeout.
  set_option(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, static_cast<long>(options_.timeout.count()));
  // Worker threads: no SIGALRM for DNS timeouts (the process ignores SIGPIPE itself).
  set_option(h, CURLOPT_NOSIGNAL, 1L);

  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    // Only curl's generic text and the reply code: no URL, user name or password in the message.
    throw std::runtime_error(std::string("smtp: ") + curl_easy_strerror(rc) + " (SMTP status " +
                             std::to_string(status) + ")");
  }
}

}  // namespace tiket::auth
