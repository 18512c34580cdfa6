#pragma once

#include "booking/service.hpp"
#include "http/authenticator.hpp"
#include "http/router.hpp"

namespace tiket::booking {

struct BookingRouteDeps {
  BookingService& bookings;
  const http::Authenticator& authenticator;
};

// POST/GET /api/bookings, GET /api/bookings/{code}, POST /api/bookings/{code}/cancel,
// GET /api/bookings/{code}/tickets, POST /api/tickets/{ticket_code}/check-in. The expiry runs
// as the `expire-bookings` job (src/jobs).
void register_routes(http::Router& router, const BookingRouteDeps& deps);

// The Idempotency-Key header: 1..255 printable ASCII characters. 400 otherwise.
std::string read_idempotency_key(const http::Request& req);

// The body of POST /api/bookings, strictly validated (all errors at once): concert_id, and
// 1..10 items with distinct ticket_type_id and quantity 1..100.
BookingRequest read_booking_request(const nlohmann::json& body);

}  // namespace tiket::booking
