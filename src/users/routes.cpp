#include "users/routes.hpp"

#include "core/errors.hpp"
#include "core/rate_limit.hpp"
#include "http/json_fields.hpp"
#include "http/page.hpp"
#include "http/query.hpp"
#include "identity/password_policy.hpp"

namespace tiket::users {

namespace {
using http::FieldReader;
using http::Method;
using http::Request;
using http::Response;
using identity::Principal;
using identity::Role;
}  // namespace

UserListRequest read_user_list_request(const Request& req) {
  http::QueryReader in(req, {"role", "cursor", "limit"});
  UserListRequest out;
  if (const auto role = in.string("role", 16)) {
    out.role = identity::parse_role(*role);
    if (!out.role) {
      in.add_error("role", "must be one of: admin, organizer, customer");
    }
  }
  // Opaque to clients; the service answers 400 when it does not decode.
  out.cursor = in.string("cursor", 64);
  out.limit = in.limit();
  in.finish();
  return out;
}

void register_routes(http::Router& router, const UserRouteDeps& deps) {
  router.add(
      Method::Post, "/api/users",
      deps.authenticator.require({Role::admin}, [&deps](Request& req, const Principal& me) {
        core::enforce(deps.create_limit, "admin:" + std::to_string(me.user_id));
        const auto body = req.json_body();
        FieldReader in(body, {"email", "password", "name", "role"});
        const auto email = http::read_email(in);
        const auto password =
            in.string("password", true, 1, identity::PasswordPolicy::kMaxLength, false);
        const auto name = in.string("name", true, 1, 100);
        const auto role = in.one_of("role", true, {"admin", "organizer", "customer"});
        if (password) {
          for (const auto& reason : deps.users.password_problems(*password, email.value_or(""))) {
            in.add_error("password", reason);
          }
        }
        in.finish();
        const auto user = deps.users.create(
            {*email, *password, *name, *identity::parse_role(*role)}, me.user_id, req.request_id);
        auto resp = Response::json(201, to_json(user));
        resp.headers.emplace_back("Location", "/api/users/" + std::to_string(user.id));
        return resp;
      }));

  router.add(Method::Get, "/api/users",
             deps.authenticator.require({Role::admin}, [&deps](Request& req, const Principal&) {
               const auto list = read_user_list_request(req);
               return Response::json(
                   200, http::page_json(deps.users.list(list.cursor, list.limit, list.role)));
             }));

  router.add(Method::Get, "/api/users/{id}",
             deps.authenticator.require({}, [&deps](Request& req, const Principal& me) {
               const auto id = http::parse_id(*req.param("id"));
               return Response::json(200, to_json(deps.users.get(id, me)));
             }));

  router.add(Method::Patch, "/api/users/{id}",
             deps.authenticator.require({}, [&deps](Request& req, const Principal& me) {
               const auto id = http::parse_id(*req.param("id"));
               const auto body = req.json_body();
               FieldReader in(body, {"name", "password", "current_password", "role", "status"});
               UserPatch patch;
               patch.name = in.string("name", false, 1, 100);
               patch.password =
                   in.string("password", false, 1, identity::PasswordPolicy::kMaxLength, false);
               patch.current_password = in.string("current_password", false, 1, 1024, false);
               if (const auto role = in.one_of("role", false, {"admin", "organizer", "customer"})) {
                 patch.role = identity::parse_role(*role);
               }
               if (const auto status = in.one_of("status", false, {"active", "disabled"})) {
                 patch.status = parse_status(*status);
               }
               if (in.ok() && !patch.name && !patch.password && !patch.role && !patch.status) {
                 in.add_error("body", "names nothing to change");
               }
               in.finish();
               return Response::json(200,
                                     to_json(deps.users.update(id, patch, me, req.request_id)));
             }));
}

}  // namespace tiket::users
