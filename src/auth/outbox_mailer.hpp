#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "auth/mailer.hpp"
#include "db/pool.hpp"

namespace tiket::auth {

struct OutboxEntry {
  std::string to;
  std::string subject;
  std::string body;
  std::string created_at;
};

// The development/test mailer: "sends" by inserting into mail_outbox.
class OutboxMailer final : public Mailer {
 public:
  explicit OutboxMailer(db::Pool& pool);
  void send(const Mail& mail) override;

  // Newest first.
  std::vector<OutboxEntry> list(const std::string& to, std::size_t limit);

 private:
  db::Pool& pool_;
};

}  // namespace tiket::auth
