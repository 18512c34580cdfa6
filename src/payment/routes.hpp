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
// POST /api/payments/notifications (no bearer token: the body's signature is the proof). The
// reconciliation runs as the `reconcile-payments` job (src/jobs).
void register_routes(http::Router& router, const PaymentRouteDeps& deps);

}  // namespace tiket::payment
