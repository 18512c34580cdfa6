#pragma once

#include "auth/client_ip.hpp"
#include "auth/jwt.hpp"
#include "auth/outbox_mailer.hpp"
#include "auth/service.hpp"
#include "http/authenticator.hpp"
#include "http/router.hpp"
#include "users/service.hpp"

namespace tiket::auth {

struct AuthRouteDeps {
  AuthService& auth;
  users::UserService& users;
  const http::Authenticator& authenticator;
  const JwtService& jwt;
  const TrustedProxies& proxies;
  OutboxMailer* outbox = nullptr;  // set only in development and test
};

// /api/auth/*, /.well-known/jwks.json and, outside production, /api/admin/mail-outbox.
void register_routes(http::Router& router, const AuthRouteDeps& deps);

}  // namespace tiket::auth
