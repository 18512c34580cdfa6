#include "users/service.hpp"

#include "core/cursor.hpp"
#include "core/errors.hpp"
#include "db/audit.hpp"
#include "db/transaction.hpp"

namespace tiket::users {

namespace {
std::vector<core::FieldError> as_field_errors(const std::vector<std::string>& reasons) {
  std::vector<core::FieldError> out;
  out.reserve(reasons.size());
  for (const auto& r : reasons) {
    out.push_back({"password", r});
  }
  return out;
}
}  // namespace

std::string encode_cursor(std::int64_t last_id) {
  return core::encode_id_cursor('u', last_id);
}

std::int64_t decode_cursor(const std::string& cursor) {
  return core::decode_id_cursor('u', cursor);
}

UserService::UserService(db::Pool& pool, identity::PasswordHasher& hasher,
                         const identity::PasswordPolicy& policy)
    : pool_(pool), hasher_(hasher), policy_(policy) {}

std::vector<std::string> UserService::password_problems(const std::string& password,
                                                        const std::string& email) const {
  return policy_.check(password, email);
}

User UserService::create(const CreateUserInput& input, std::optional<std::int64_t> actor,
                         const std::string& request_id) {
  if (const auto problems = password_problems(input.password, input.email); !problems.empty()) {
    throw core::AppError::validation(as_field_errors(problems));
  }
  // A cheap early answer for the common case; the unique key decides the race.
  if (find_by_email(input.email)) {
    throw core::AppError::conflict("A user with this email already exists.");
  }
  NewUser row{input.email, input.name, hasher_.hash(input.password), input.role};
  const auto id = db::transaction(pool_, [&](db::Connection& conn) {
    const auto new_id = repo_.insert(conn, row);
    if (!new_id) {
      throw core::AppError::conflict("A user with this email already exists.");
    }
    db::write_audit(conn, {actor,
                           "user.create",
                           "user",
                           std::to_string(*new_id),
                           request_id,
                           {{"email", row.email}, {"role", identity::to_string(row.role)}}});
    return *new_id;
  });
  auto created = find_by_id(id);
  if (!created) {
    throw std::runtime_error("user vanished after insert");
  }
  return *created;
}

std::optional<User> UserService::find_by_email(const std::string& normalized_email) {
  return db::with_connection(
      pool_, [&](db::Connection& conn) { return repo_.find_by_email(conn, normalized_email); });
}

std::optional<User> UserService::find_by_id(std::int64_t id) {
  return db::with_connection(pool_,
                             [&](db::Connection& conn) { return repo_.find_by_id(conn, id); });
}

User UserService::get(std::int64_t id, const identity::Principal& caller) {
  if (!caller.is_admin() && caller.user_id != id) {
    throw core::AppError::not_found("No user with this id.");
  }
  auto user = find_by_id(id);
  if (!user) {
    throw core::AppError::not_found("No user with this id.");
  }
  return *user;
}

UserPage UserService::list(const std::optional<std::string>& cursor, unsigned limit,
                           std::optional<identity::Role> role) {
  const std::int64_t after = cursor ? decode_cursor(*cursor) : 0;
  // One extra row tells whether there is a next page without a COUNT.
  auto rows = db::with_connection(
      pool_, [&](db::Connection& conn) { return repo_.list(conn, after, limit + 1, role); });
  UserPage page;
  if (rows.size() > limit) {
    rows.resize(limit);
    page.next_cursor = encode_cursor(rows.back().id);
  }
  page.items = std::move(rows);
  return page;
}

User UserService::update(std::int64_t id, const UserPatch& patch, const identity::Principal& caller,
                         const std::string& request_id) {
  const bool self = caller.user_id == id;
  if (!caller.is_admin() && !self) {
    throw core::AppError::not_found("No user with this id.");
  }
  if (!caller.is_admin() && (patch.role || patch.status)) {
    throw core::AppError::forbidden("Only an admin may change role or status.");
  }
  if (patch.password && !self) {
    throw core::AppError::forbidden("Only the user themself may change their password.");
  }
  if (self && caller.is_admin() &&
      ((patch.role && *patch.role != identity::Role::admin) ||
       (patch.status && *patch.status != Status::active))) {
    throw core::AppError::unprocessable(
        "An admin cannot demote or disable themself; ask another admin.");
  }

  auto current = find_by_id(id);
  if (!current) {
    throw core::AppError::not_found("No user with this id.");
  }

  UserChanges changes;
  changes.name = patch.name;
  changes.role = patch.role;
  changes.status = patch.status;
  if (patch.password) {
    if (!patch.current_password) {
      throw core::AppError::validation(
          {{"current_password", "is required to change the password"}});
    }
    if (!hasher_.verify(current->password_hash, *patch.current_password)) {
      throw core::AppError::validation({{"current_password", "is not correct"}});
    }
    if (const auto problems = password_problems(*patch.password, current->email);
        !problems.empty()) {
      throw core::AppError::validation(as_field_errors(problems));
    }
    changes.password_hash = hasher_.hash(*patch.password);
  }

  db::transaction(pool_, [&](db::Connection& conn) {
    if (!repo_.find_by_id(conn, id, true)) {
      throw core::AppError::not_found("No user with this id.");
    }
    repo_.update(conn, id, changes);
    nlohmann::json details = nlohmann::json::object();
    if (changes.name) {
      details["name"] = *changes.name;
    }
    if (changes.role) {
      details["role"] = identity::to_string(*changes.role);
    }
    if (changes.status) {
      details["status"] = to_string(*changes.status);
    }
    if (changes.password_hash) {
      details["password"] = "changed";  // never the value
    }
    db::write_audit(
        conn, {caller.user_id, "user.update", "user", std::to_string(id), request_id, details});
  });

  const bool sessions_end =
      changes.password_hash.has_value() || (changes.status && *changes.status == Status::disabled);
  if (sessions_end && on_sessions_invalidated) {
    on_sessions_invalidated(id);
  }
  auto updated = find_by_id(id);
  if (!updated) {
    throw core::AppError::not_found("No user with this id.");
  }
  return *updated;
}

void UserService::replace_password_hash(std::int64_t id, const std::string& hash) {
  db::with_connection(pool_, [&](db::Connection& conn) {
    UserChanges changes;
    changes.password_hash = hash;
    repo_.update(conn, id, changes);
  });
}

}  // namespace tiket::users
