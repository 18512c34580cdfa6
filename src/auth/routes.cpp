#include "auth/routes.hpp"

#include "core/errors.hpp"
#include "http/cookies.hpp"
#include "http/json_fields.hpp"
#include "identity/email.hpp"
#include "identity/password_policy.hpp"

namespace tiket::auth {

namespace {

using http::FieldReader;
using http::Method;
using http::Request;
using http::Response;

// Whether the request asks for cookie mode. Any other value of the header is a 400, so that a
// typo does not silently hand a web page its refresh token in the JSON.
bool cookie_mode(const Request& req) {
  const auto mode = req.header(kSessionHeader);
  if (!mode) {
    return false;
  }
  if (*mode != "cookie") {
    throw core::AppError::bad_request("X-Tiket-Session must be `cookie` when it is sent.",
                                      {{"X-Tiket-Session", "must be cookie"}});
  }
  // Browsers send Origin on every POST, and a cross-site one cannot carry this header without
  // a preflight we refuse; a mismatch here is a forged or misrouted request (ADR 0016).
  if (const auto origin = req.header("origin")) {
    const auto authority = http::origin_authority(*origin);
    const auto host = req.header("host");
    if (!authority || !host || *authority != *host) {
      throw core::AppError::forbidden("Cookie sessions are for same-origin requests only.");
    }
  }
  return true;
}

std::string set_refresh_cookie(const std::string& token, std::chrono::seconds ttl) {
  return http::strict_cookie(kRefreshCookie, token, kRefreshCookiePath, ttl);
}

std::string clear_refresh_cookie() {
  return http::strict_cookie(kRefreshCookie, "", kRefreshCookiePath, std::chrono::seconds(0));
}

// The token answer: the JSON as always, or in cookie mode the JSON without refresh_token and
// the token in a Set-Cookie.
Response token_response(const TokenPair& pair, bool cookie, std::chrono::seconds ttl) {
  auto body = pair.to_json();
  if (!cookie) {
    return Response::json(200, body);
  }
  body.erase("refresh_token");
  auto resp = Response::json(200, body);
  resp.headers.emplace_back("Set-Cookie", set_refresh_cookie(pair.refresh_token, ttl));
  resp.headers.emplace_back("Cache-Control", "no-store");
  return resp;
}

// The refresh token of a refresh or logout: from the body's refresh_token, or in cookie mode
// from the cookie (the body then may be empty or {}). 401 when the cookie is missing.
std::string refresh_token_of(const Request& req, bool cookie) {
  if (cookie) {
    if (!req.body.empty()) {
      const auto body = req.json_body();
      FieldReader in(body, {});
      in.finish();
    }
    auto token = http::cookie(req, kRefreshCookie);
    if (!token || token->empty() || token->size() > 128) {
      throw core::AppError::unauthorized("No session cookie; log in again.");
    }
    return std::move(*token);
  }
  const auto body = req.json_body();
  FieldReader in(body, {"refresh_token"});
  const auto token = in.string("refresh_token", true, 1, 128, false);
  in.finish();
  return *token;
}

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
    const bool cookie = cookie_mode(req);
    const auto body = req.json_body();
    FieldReader in(body, {"email", "password"});
    const auto email = http::read_email(in);
    const auto password = in.string("password", true, 1, 1024, false);
    in.finish();
    return token_response(deps.auth.login(*email, *password, client(req)), cookie,
                          deps.refresh_ttl);
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
    const bool cookie = cookie_mode(req);
    const auto body = req.json_body();
    FieldReader in(body, {"email", "code"});
    const auto email = http::read_email(in);
    const auto code = in.string("code", true, 1, 16);
    in.finish();
    return token_response(deps.auth.verify_code(*email, *code, client(req)), cookie,
                          deps.refresh_ttl);
  });

  router.add(Method::Post, "/api/auth/refresh", [&deps](Request& req) {
    const bool cookie = cookie_mode(req);
    const auto token = refresh_token_of(req, cookie);
    try {
      return token_response(deps.auth.refresh(token), cookie, deps.refresh_ttl);
    } catch (core::AppError& e) {
      if (cookie && e.kind() == core::ProblemKind::unauthorized) {
        e.headers.emplace_back("Set-Cookie", clear_refresh_cookie());  // a dead cookie goes
      }
      throw;
    }
  });

  router.add(Method::Post, "/api/auth/logout", [&deps](Request& req) {
    const bool cookie = cookie_mode(req);
    auto resp = Response::empty(204);
    if (cookie) {
      resp.headers.emplace_back("Set-Cookie", clear_refresh_cookie());
      // Logging out without a cookie is already done: clear it anyway, and answer 204.
      const auto token = http::cookie(req, kRefreshCookie);
      if (!req.body.empty()) {
        const auto body = req.json_body();
        FieldReader in(body, {});
        in.finish();
      }
      if (token && !token->empty() && token->size() <= 128) {
        deps.auth.logout(*token);
      }
      return resp;
    }
    deps.auth.logout(refresh_token_of(req, false));
    return resp;
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
