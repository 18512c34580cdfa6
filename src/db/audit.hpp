#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "db/pool.hpp"

namespace tiket::db {

struct AuditEntry {
  std::optional<std::int64_t> actor_id;  // nullopt: the system
  std::string action;                    // user.create, user.update, ...
  std::string entity_type;
  std::string entity_id;
  std::string request_id;
  nlohmann::json details;  // never secrets
};

// Appends to audit_log on `conn`, inside the caller's transaction when there is one, so the
// record and the change it describes commit or roll back together.
void write_audit(Connection& conn, const AuditEntry& entry);

}  // namespace tiket::db
