#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "auth/jwt.hpp"
#include "auth/login_codes.hpp"
#include "auth/mailer.hpp"
#include "auth/refresh_tokens.hpp"
#include "core/rate_limit.hpp"
#include "identity/password.hpp"
#include "users/service.hpp"

namespace tiket::auth {

struct TokenPair {
  std::string access_token;
  std::int64_t expires_in = 0;
  std::string refresh_token;

  // {access_token, token_type: "Bearer", expires_in, refresh_token}
  nlohmann::json to_json() const;
};

// Token buckets, per client IP and per account, for each auth entry point.
struct AuthLimits {
  std::unique_ptr<core::RateLimiter> login_ip, login_account;
  std::unique_ptr<core::RateLimiter> code_ip, code_account;
  std::unique_ptr<core::RateLimiter> verify_ip, verify_account;
  std::unique_ptr<core::RateLimiter> register_ip;
  std::unique_ptr<core::RateLimiter> users_create;  // POST /api/users, per admin
};

// The two login methods, token refresh and logout. Blocking: worker threads only.
class AuthService {
 public:
  AuthService(users::UserService& users, identity::PasswordHasher& hasher, const JwtService& jwt,
              RefreshTokenStore& refresh, LoginCodeStore& codes, Mailer& mailer,
              AuthLimits& limits);

  users::User register_customer(const std::string& email, const std::string& password,
                                const std::string& name, const std::string& client_ip,
                                const std::string& request_id);

  // An unknown email, a wrong password and an inactive account all get the same 401, after
  // the same amount of argon2id work.
  TokenPair login(const std::string& email, const std::string& password,
                  const std::string& client_ip);

  // Always returns normally (the route answers 202) unless rate-limited: whether the address
  // belongs to an active account is never revealed.
  void request_code(const std::string& email, const std::string& client_ip,
                    const std::string& request_id);

  TokenPair verify_code(const std::string& email, const std::string& code,
                        const std::string& client_ip);

  TokenPair refresh(const std::string& refresh_token);
  void logout(const std::string& refresh_token);

 private:
  TokenPair tokens_for(const users::User& user);

  users::UserService& users_;
  identity::PasswordHasher& hasher_;
  const JwtService& jwt_;
  RefreshTokenStore& refresh_;
  LoginCodeStore& codes_;
  Mailer& mailer_;
  AuthLimits& limits_;
};

}  // namespace tiket::auth
