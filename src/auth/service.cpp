#include "auth/service.hpp"

#include "core/errors.hpp"
#include "core/logging.hpp"
#include "identity/token_verifier.hpp"

namespace tiket::auth {

namespace {
core::AppError invalid_credentials() {
  return identity::unauthorized("Invalid email or password.");
}
core::AppError invalid_code() {
  return identity::unauthorized("Invalid email or code.");
}
core::AppError invalid_refresh() {
  return identity::unauthorized("The refresh token is invalid, expired or revoked.");
}
}  // namespace

nlohmann::json TokenPair::to_json() const {
  return {{"access_token", access_token},
          {"token_type", "Bearer"},
          {"expires_in", expires_in},
          {"refresh_token", refresh_token}};
}

AuthService::AuthService(users::UserService& users, identity::PasswordHasher& hasher,
                         const JwtService& jwt, RefreshTokenStore& refresh, LoginCodeStore& codes,
                         Mailer& mailer, AuthLimits& limits)
    : users_(users),
      hasher_(hasher),
      jwt_(jwt),
      refresh_(refresh),
      codes_(codes),
      mailer_(mailer),
      limits_(limits) {}

TokenPair AuthService::tokens_for(const users::User& user) {
  TokenPair pair;
  pair.access_token = jwt_.issue(user.id, to_string(user.role));
  pair.expires_in = jwt_.ttl().count();
  pair.refresh_token = refresh_.start_family(user.id);
  return pair;
}

users::User AuthService::register_customer(const std::string& email, const std::string& password,
                                           const std::string& name, const std::string& client_ip,
                                           const std::string& request_id) {
  core::enforce(*limits_.register_ip, "ip:" + client_ip);
  return users_.create({email, password, name, identity::Role::customer}, std::nullopt, request_id);
}

TokenPair AuthService::login(const std::string& email, const std::string& password,
                             const std::string& client_ip) {
  core::enforce(*limits_.login_ip, "ip:" + client_ip);
  core::enforce(*limits_.login_account, "account:" + email);
  const auto user = users_.find_by_email(email);
  if (!user) {
    hasher_.dummy_verify(password);  // same cost as a real check: no timing oracle
    throw invalid_credentials();
  }
  const bool ok = hasher_.verify(user->password_hash, password);
  if (!ok || user->status != users::Status::active) {
    throw invalid_credentials();
  }
  if (hasher_.needs_rehash(user->password_hash)) {
    users_.replace_password_hash(user->id, hasher_.hash(password));
  }
  return tokens_for(*user);
}

void AuthService::request_code(const std::string& email, const std::string& client_ip,
                               const std::string& request_id) {
  core::enforce(*limits_.code_ip, "ip:" + client_ip);
  core::enforce(*limits_.code_account, "account:" + email);
  const auto user = users_.find_by_email(email);
  if (!user || user->status != users::Status::active) {
    return;
  }
  const auto code = codes_.issue(user->id);
  try {
    mailer_.send({user->email, "Your Tiket login code",
                  "Your Tiket login code is " + code +
                      ".\n\nIt works once and expires in 10 minutes. If you did not ask for it, "
                      "you can ignore this mail.\n"});
  } catch (const std::exception& e) {
    // The client still gets 202: answering differently would reveal that the account exists.
    core::log::error("login code mail failed",
                     {{"request_id", request_id}, {"user_id", user->id}, {"error", e.what()}});
  }
}

TokenPair AuthService::verify_code(const std::string& email, const std::string& code,
                                   const std::string& client_ip) {
  core::enforce(*limits_.verify_ip, "ip:" + client_ip);
  core::enforce(*limits_.verify_account, "account:" + email);
  const auto user = users_.find_by_email(email);
  if (!user || user->status != users::Status::active) {
    throw invalid_code();
  }
  if (codes_.verify(user->id, code) != CodeCheck::ok) {
    throw invalid_code();
  }
  return tokens_for(*user);
}

TokenPair AuthService::refresh(const std::string& refresh_token) {
  const auto result = refresh_.rotate(refresh_token);
  if (result.outcome == RotateOutcome::reused) {
    core::log::warn("refresh token reuse detected; family revoked", {{"user_id", result.user_id}});
  }
  if (result.outcome != RotateOutcome::rotated) {
    throw invalid_refresh();
  }
  const auto user = users_.find_by_id(result.user_id);
  if (!user || user->status != users::Status::active) {
    refresh_.revoke_user(result.user_id);
    throw invalid_refresh();
  }
  TokenPair pair;
  pair.access_token = jwt_.issue(user->id, to_string(user->role));
  pair.expires_in = jwt_.ttl().count();
  pair.refresh_token = result.token;
  return pair;
}

void AuthService::logout(const std::string& refresh_token) {
  refresh_.revoke_family_of(refresh_token);
}

}  // namespace tiket::auth
