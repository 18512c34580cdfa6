#include "auth/routes.hpp"

#include "core/errors.hpp"
#include "http/json_fields.hpp"
#include "identity/email.hpp"
#include "identity/password_policy.hpp"

namespace tiket::auth {

namespace {

using http::FieldReader;
using http::Method;
using http::Request;
using http::Response;

}  // namespace

void register_routes(http::Router& router, const AuthRouteDeps& deps) {
  const auto client = [&proxies = deps.proxies](const Request& req) {
    return client_ip(req.remote_ip, req.header("x-forwarded-for"), proxies);
  };

  router.add(Method::Post, "/api/auth/register", [&deps, client](Request& req) {
    const auto body = req.json_body();
    FieldReader in(body, {"email", "password", "name", "role"});
    if (in.has("role")) {
      in.add_error("role", "cannot be chosen when registering; new accounts are customers");
    }
    const auto email = http::read_email(in);
    const auto password =
        in.string("password", true, 1, identity::PasswordPolicy::kMaxLength, false);
    const auto name = in.string("name", true, 1, 100);
    if (password) {
      for (const auto& reason : deps.users.password_problems(*password, email.value_or(""))) {
        in.add_error("password", reason);
      }
    }
    in.finish();
    const auto user =
        deps.auth.register_customer(*email, *password, *name, client(req), req.request_id);
    return Response::json(201, users::to_json(user));
  });

  router.add(Method::Post, "/api/auth/login", [&deps, client](Request& req) {
    const auto body = req.json_body();
    FieldReader in(body, {"email", "password"});
    const auto email = http::read_email(in);
    const auto password = in.string("password", true, 1, 1024, false);
    in.finish();
    return Response::json(200, deps.auth.login(*email, *password, client(req)).to_json());
  });

  router.add(Method::Post, "/api/auth/login-code", [&deps, client](Request& req) {
    const auto body = req.json_body();
    FieldReader in(body, {"email"});
    const auto email = http::read_email(in);
    in.finish();
    deps.auth.request_code(*email, client(req), req.request_id);
    return Response::json(
        202, {{"status", "accepted"},
              {"detail", "If the address belongs to an active account, a code is on its way."}});
  });

  router.add(Method::Post, "/api/auth/login-code/verify", [&deps, client](Request& req) {
    const auto body = req.json_body();
    FieldReader in(body, {"email", "code"});
    const auto email = http::read_email(in);
    const auto code = in.string("code", true, 1, 16);
    in.finish();
    return Response::json(200, deps.auth.verify_code(*email, *code, client(req)).to_json());
  });

  router.add(Method::Post, "/api/auth/refresh", [&deps](Request& req) {
    const auto body = req.json_body();
    FieldReader in(body, {"refresh_token"});
    const auto token = in.string("refresh_token", true, 1, 128, false);
    in.finish();
    return Response::json(200, deps.auth.refresh(*token).to_json());
  });

  router.add(Method::Post, "/api/auth/logout", [&deps](Request& req) {
    const auto body = req.json_body();
    FieldReader in(body, {"refresh_token"});
    const auto token = in.string("refresh_token", true, 1, 128, false);
    in.finish();
    deps.auth.logout(*token);
    return Response::empty(204);
  });

  router.add(Method::Get, "/api/auth/me",
             deps.authenticator.require({}, [&deps](Request&, const identity::Principal& me) {
               return Response::json(200, users::to_json(deps.users.get(me.user_id, me)));
             }));

  // Public keys never change while the process runs; no DB, so it answers from the reactor.
  router.add(
      Method::Get, "/.well-known/jwks.json",
      [body = deps.jwt.jwks().dump()](Request&) {
        Response r;
        r.body = body;
        r.headers.emplace_back("Cache-Control", "public, max-age=300");
        return r;
      },
      http::Execution::Inline);

  if (deps.outbox != nullptr) {
    router.add(Method::Get, "/api/admin/mail-outbox",
               deps.authenticator.require(
                   {identity::Role::admin}, [&deps](Request& req, const identity::Principal&) {
                     const auto to = req.query_param("to");
                     const auto email = to ? identity::normalize_email(*to) : std::nullopt;
                     if (!email) {
                       throw core::AppError::bad_request("Query parameter 'to' must be an email.",
                                                         {{"to", "must be a valid email address"}});
                     }
                     nlohmann::json items = nlohmann::json::array();
                     for (const auto& m : deps.outbox->list(*email, 50)) {
                       items.push_back({{"to", m.to},
                                        {"subject", m.subject},
                                        {"body", m.body},
                                        {"created_at", m.created_at}});
                     }
                     return Response::json(200, {{"items", items}});
                   }));
  }
}

}  // namespace tiket::auth
