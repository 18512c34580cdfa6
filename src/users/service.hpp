#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "db/pool.hpp"
#include "identity/password.hpp"
#include "identity/password_policy.hpp"
#include "identity/principal.hpp"
#include "users/repository.hpp"
#include "users/user.hpp"

namespace tiket::users {

struct CreateUserInput {
  std::string email;  // normalised
  std::string password;
  std::string name;
  identity::Role role = identity::Role::customer;
};

struct UserPatch {
  std::optional<std::string> name;
  std::optional<std::string> password;
  std::optional<std::string> current_password;
  std::optional<identity::Role> role;
  std::optional<Status> status;
};

struct UserPage {
  std::vector<User> items;
  std::optional<std::string> next_cursor;
};

// The rules about users. Blocking (DB, argon2id): call it from worker threads.
class UserService {
 public:
  UserService(db::Pool& pool, identity::PasswordHasher& hasher,
              const identity::PasswordPolicy& policy);

  // Reasons the password breaks the policy, for the "password" field (empty when fine).
  std::vector<std::string> password_problems(const std::string& password,
                                             const std::string& email) const;

  // Creates the user with an argon2id hash and an audit row (actor = who created it, or the
  // system). 400 when the password breaks the policy, 409 when the email is taken.
  User create(const CreateUserInput& input, std::optional<std::int64_t> actor,
              const std::string& request_id);

  std::optional<User> find_by_email(const std::string& normalized_email);
  std::optional<User> find_by_id(std::int64_t id);

  // The user, if `caller` may see it: an admin sees everyone, anyone else only themself.
  // 404 otherwise, so that nobody can probe which ids exist.
  User get(std::int64_t id, const identity::Principal& caller);

  // Admin list, keyset-paginated by id; `cursor` is opaque to clients (400 when malformed).
  UserPage list(const std::optional<std::string>& cursor, unsigned limit,
                std::optional<identity::Role> role);

  // A user may change their own name and password (with current_password); an admin may also
  // change anyone's name, role and status, but not another user's password, and cannot demote
  // or disable themself. Password and status changes end the user's sessions.
  User update(std::int64_t id, const UserPatch& patch, const identity::Principal& caller,
              const std::string& request_id);

  // After a successful login with an outdated hash.
  void replace_password_hash(std::int64_t id, const std::string& hash);

  // Set by the wiring: revokes the user's refresh tokens (the auth module owns them).
  std::function<void(std::int64_t user_id)> on_sessions_invalidated;

 private:
  db::Pool& pool_;
  identity::PasswordHasher& hasher_;
  const identity::PasswordPolicy& policy_;
  UserRepository repo_;
};

std::string encode_cursor(std::int64_t last_id);
// Throws AppError 400 on a malformed cursor.
std::int64_t decode_cursor(const std::string& cursor);

}  // namespace tiket::users
