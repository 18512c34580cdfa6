#include "auth/outbox_mailer.hpp"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

namespace tiket::auth {

OutboxMailer::OutboxMailer(db::Pool& pool) : pool_(pool) {}

void OutboxMailer::send(const Mail& mail) {
  db::with_connection(pool_, [&](db::Connection& conn) {
    auto& stmt = conn.prepare("INSERT INTO mail_outbox (to_email, subject, body) VALUES (?, ?, ?)");
    stmt.setString(1, mail.to);
    stmt.setString(2, mail.subject);
    stmt.setString(3, mail.body);
    stmt.executeUpdate();
  });
}

std::vector<OutboxEntry> OutboxMailer::list(const std::string& to, std::size_t limit) {
  return db::with_connection(pool_, [&](db::Connection& conn) {
    auto& stmt = conn.prepare(
        "SELECT to_email, subject, body, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%s.%fZ') AS at "
        "FROM mail_outbox WHERE to_email = ? ORDER BY id DESC LIMIT ?");
    stmt.setString(1, to);
    stmt.setUInt(2, static_cast<unsigned>(limit));
    const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    std::vector<OutboxEntry> out;
    while (rs->next()) {
      out.push_back({rs->getString("to_email"), rs->getString("subject"), rs->getString("body"),
                     rs->getString("at")});
    }
    return out;
  });
}

}  // namespace tiket::auth
