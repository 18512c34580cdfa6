#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace tiket::payment {

// What the gateway says about one order: a notification's body, or a status API answer (the
// same shape). The strings are kept exactly as received: the signature covers them.
struct GatewayStatus {
  std::string order_id;
  std::string status_code;
  std::string gross_amount;  // e.g. "750000.00"
  std::string transaction_status;
  std::string fraud_status;  // empty when absent
  std::string transaction_id;
  std::string signature_key;
  std::string raw;  // the whole body, for the audit trail
};

// Reads a notification or status body. Unknown fields are ignored (the gateway adds fields over
// time); a missing or non-string required field is a core::AppError validation listing each.
GatewayStatus parse_gateway_status(const nlohmann::json& body, std::string raw);

// Lowercase hex SHA-512 of order_id + status_code + gross_amount + server_key.
std::string signature_for(std::string_view order_id, std::string_view status_code,
                          std::string_view gross_amount, std::string_view server_key);

// signature_key checked against the strings as received, in constant time.
bool signature_valid(const GatewayStatus& status, std::string_view server_key);

// What a status means for the state machine.
enum class Verdict {
  settled,   // settlement, or capture with fraud_status accept (or absent)
  waiting,   // pending, authorize, or capture held for a fraud challenge
  failed,    // deny, cancel, expire, failure (and capture with fraud_status deny)
  refunded,  // refund, partial_refund
  unknown,   // a status this code does not know: recorded, changes nothing
};
Verdict classify(std::string_view transaction_status, std::string_view fraud_status);

// An amount as the gateway writes it ("750000", "750000.0", "750000.00"), in cents, parsed
// exactly (no floating point). nullopt for anything else: a sign, an exponent, spaces, more
// than two decimals, or more than 15 integer digits.
std::optional<std::int64_t> parse_amount_cents(std::string_view text);

// Whole rupiah as the gateway writes them: 750000 -> "750000.00".
std::string format_amount(std::int64_t rupiah);

}  // namespace tiket::payment
