#pragma once

#include <chrono>
#include <string>

namespace tiket::auth {

struct Mail {
  std::string to;
  std::string subject;
  std::string body;  // plain text
};

// Where one-time codes go. Two implementations: SMTP (production) and the mail_outbox table
// (development and test, so demos and the Postman collection can read the code).
class Mailer {
 public:
  Mailer() = default;
  virtual ~Mailer() = default;
  Mailer(const Mailer&) = delete;
  Mailer& operator=(const Mailer&) = delete;
  Mailer(Mailer&&) = delete;
  Mailer& operator=(Mailer&&) = delete;

  // Throws std::runtime_error when the mail could not be handed over.
  virtual void send(const Mail& mail) = 0;
};

struct SmtpOptions {
  std::string url;       // smtp://host:port or smtps://host:port
  std::string from;      // envelope and header From address
  std::string username;  // optional AUTH
  std::string password;
  bool require_tls = false;  // STARTTLS required (CURLUSESSL_ALL) on smtp://
  std::chrono::seconds connect_timeout{5};
  std::chrono::seconds timeout{15};
};

// libcurl SMTP client. One easy handle per call (mail is rare: a login code). Header values
// are stripped of CR/LF so a subject or address cannot inject headers.
class SmtpMailer final : public Mailer {
 public:
  explicit SmtpMailer(SmtpOptions options);
  void send(const Mail& mail) override;

 private:
  SmtpOptions options_;
};

}  // namespace tiket::auth
