// The payment gateway's notification body (POST /api/payments/notifications, no bearer token:
// anyone can send it) and the amount inside it: parse_gateway_status must answer bad input
// with a 4xx, a signature check must never throw, and parse_amount_cents must agree with its
// own formatting.
// Input: the request body as received.

#include <sodium.h>

#include "fuzz_support.hpp"
#include "payment/notification.hpp"

namespace {

using tiket::fuzz::require;
using namespace tiket::payment;

void amount(const std::string& text) {
  const auto cents = parse_amount_cents(text);
  if (!cents) {
    return;
  }
  require(*cents >= 0, "parse_amount_cents returned a negative amount");
  if (*cents % 100 == 0) {
    require(parse_amount_cents(format_amount(*cents / 100)) == cents,
            "a whole amount does not survive format_amount");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool ready = sodium_init() >= 0;
  require(ready, "libsodium failed to initialise");
  const std::string text(tiket::fuzz::as_text(data, size));
  amount(text);
  const auto body = nlohmann::json::parse(text, nullptr, false);
  if (body.is_discarded()) {
    return 0;
  }
  tiket::fuzz::parse_or_client_error([&] {
    const auto status = parse_gateway_status(body, text);
    require(!status.order_id.empty() && !status.transaction_status.empty(),
            "a notification without order_id or transaction_status was accepted");
    amount(status.gross_amount);
    static_cast<void>(classify(status.transaction_status, status.fraud_status));
    auto signed_status = status;
    signed_status.signature_key =
        signature_for(status.order_id, status.status_code, status.gross_amount, "fuzz-server-key");
    require(signature_valid(signed_status, "fuzz-server-key"),
            "a signature made with the key does not verify");
    require(!signature_valid(signed_status, "another-key"),
            "a signature verifies with another key");
  });
  return 0;
}
