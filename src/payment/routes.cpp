#include "payment/routes.hpp"

namespace tiket::payment {

namespace {
using http::Method;
using http::Request;
using http::Response;
using identity::Principal;
using identity::Role;
}  // namespace

void register_routes(http::Router& router, const PaymentRouteDeps& deps) {
  router.add(
      Method::Post, "/api/bookings/{code}/payments",
      deps.authenticator.require({Role::customer}, [&deps](Request& req, const Principal& me) {
        const auto result = deps.payments.start(std::string(*req.param("code")), me);
        auto resp = Response::json(result.created ? 201 : 200, to_json(result.payment));
        resp.headers.emplace_back("Location",
                                  "/api/bookings/" + std::string(*req.param("code")) + "/payment");
        return resp;
      }));

  router.add(Method::Get, "/api/bookings/{code}/payment",
             deps.authenticator.require({}, [&deps](Request& req, const Principal& me) {
               const auto h = deps.payments.history(std::string(*req.param("code")), me);
               return Response::json(200, history_json(h.attempts, h.events));
             }));

  // The gateway's webhook. 2xx stops its retries, so every answer here is deliberate: 200 for
  // anything applied or safely ignored, 401 for a bad signature, 404 for an unknown order,
  // 503 when it should try again later.
  router.add(Method::Post, "/api/payments/notifications", [&deps](Request& req) {
    const auto outcome = deps.payments.notify(req.json_body(), req.body);
    return Response::json(200, {{"outcome", outcome}});
  });
}

}  // namespace tiket::payment
