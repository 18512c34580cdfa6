#pragma once

#include "http/authenticator.hpp"
#include "http/router.hpp"
#include "payment/service.hpp"

namespace tiket::payment {

struct PaymentRouteDeps {
  PaymentService& payments;
  const http::Authenticator& authenticator;
};

// POST /api/bookings/{code}/payments, GET /api/bookings/{code}/payment,
// POST /api/payments/notifications (no bearer token: the body's signature is the proof),
// POST /api/admin/jobs/reconcile-payments/run.
void register_routes(http::Router& router, const PaymentRouteDeps& deps);

}  // namespace tiket::payment
