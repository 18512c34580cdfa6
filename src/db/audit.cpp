#include "db/audit.hpp"

#include <cppconn/prepared_statement.h>

namespace tiket::db {

void write_audit(Connection& conn, const AuditEntry& entry) {
  auto& stmt = conn.prepare(
      "INSERT INTO audit_log (actor_id, action, entity_type, entity_id, request_id, details) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  if (entry.actor_id) {
    stmt.setInt64(1, *entry.actor_id);
  } else {
    stmt.setNull(1, 0);
  }
  stmt.setString(2, entry.action);
  stmt.setString(3, entry.entity_type);
  stmt.setString(4, entry.entity_id);
  stmt.setString(5, entry.request_id);
  if (entry.details.is_null()) {
    stmt.setNull(6, 0);
  } else {
    stmt.setString(6, entry.details.dump());
  }
  stmt.executeUpdate();
}

}  // namespace tiket::db
