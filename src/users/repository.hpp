#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/pool.hpp"
#include "users/user.hpp"

namespace tiket::users {

struct NewUser {
  std::string email;  // normalised
  std::string name;
  std::string password_hash;
  identity::Role role = identity::Role::customer;
};

struct UserChanges {
  std::optional<std::string> name;
  std::optional<std::string> password_hash;
  std::optional<identity::Role> role;
  std::optional<Status> status;
};

// SQL for the users table and nothing else.
class UserRepository {
 public:
  std::optional<User> find_by_email(db::Connection& conn, const std::string& email) const;
  std::optional<User> find_by_id(db::Connection& conn, std::int64_t id,
                                 bool for_update = false) const;
  // Throws sql::SQLException 1062 on a duplicate email.
  // The new user's id; nullopt when the email is already taken (the unique key decides races).
  std::optional<std::int64_t> insert(db::Connection& conn, const NewUser& user) const;
  void update(db::Connection& conn, std::int64_t id, const UserChanges& changes) const;
  // Keyset pagination by id: rows with id > after_id, at most `limit`.
  std::vector<User> list(db::Connection& conn, std::int64_t after_id, unsigned limit,
                         std::optional<identity::Role> role) const;
};

}  // namespace tiket::users
