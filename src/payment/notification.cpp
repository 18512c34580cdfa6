#include "payment/notification.hpp"

#include <sodium.h>

#include "core/errors.hpp"
#include "core/sha256.hpp"

namespace tiket::payment {

namespace {

std::string text_field(const nlohmann::json& body, const char* name, bool required,
                       std::vector<core::FieldError>& errors) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) {
      errors.push_back({name, "is required"});
    }
    return {};
  }
  if (!it->is_string()) {
    errors.push_back({name, "must be a string"});
    return {};
  }
  auto value = it->get<std::string>();
  if (required && value.empty()) {
    errors.push_back({name, "must not be empty"});
  }
  if (value.size() > 255) {
    errors.push_back({name, "must be at most 255 characters"});
  }
  return value;
}

}  // namespace

GatewayStatus parse_gateway_status(const nlohmann::json& body, std::string raw) {
  if (!body.is_object()) {
    throw core::AppError::bad_request("The notification must be a JSON object.");
  }
  std::vector<core::FieldError> errors;
  GatewayStatus out;
  out.order_id = text_field(body, "order_id", true, errors);
  out.status_code = text_field(body, "status_code", true, errors);
  out.gross_amount = text_field(body, "gross_amount", true, errors);
  out.transaction_status = text_field(body, "transaction_status", true, errors);
  out.signature_key = text_field(body, "signature_key", false, errors);
  out.fraud_status = text_field(body, "fraud_status", false, errors);
  out.transaction_id = text_field(body, "transaction_id", false, errors);
  if (!errors.empty()) {
    throw core::AppError::validation(std::move(errors));
  }
  out.raw = std::move(raw);
  return out;
}

std::string signature_for(std::string_view order_id, std::string_view status_code,
                          std::string_view gross_amount, std::string_view server_key) {
  return core::sha512_hex({order_id, status_code, gross_amount, server_key});
}

bool signature_valid(const GatewayStatus& status, std::string_view server_key) {
  const auto expected =
      signature_for(status.order_id, status.status_code, status.gross_amount, server_key);
  // The length of a SHA-512 hex digest is public; only the content is compared in constant time.
  return status.signature_key.size() == expected.size() &&
         sodium_memcmp(status.signature_key.data(), expected.data(), expected.size()) == 0;
}

Verdict classify(std::string_view transaction_status, std::string_view fraud_status) {
  if (transaction_status == "settlement") {
    return Verdict::settled;
  }
  if (transaction_status == "capture") {
    if (fraud_status.empty() || fraud_status == "accept") {
      return Verdict::settled;
    }
    return fraud_status == "deny" ? Verdict::failed : Verdict::waiting;
  }
  if (transaction_status == "pending" || transaction_status == "authorize") {
    return Verdict::waiting;
  }
  if (transaction_status == "deny" || transaction_status == "cancel" ||
      transaction_status == "expire" || transaction_status == "failure") {
    return Verdict::failed;
  }
  if (transaction_status == "refund" || transaction_status == "partial_refund") {
    return Verdict::refunded;
  }
  return Verdict::unknown;
}

std::optional<std::int64_t> parse_amount_cents(std::string_view text) {
  constexpr std::size_t kMaxIntegerDigits = 15;
  const auto dot = text.find('.');
  const auto integer = text.substr(0, dot);
  const auto fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (integer.empty() || integer.size() > kMaxIntegerDigits ||
      (dot != std::string_view::npos && (fraction.empty() || fraction.size() > 2))) {
    return std::nullopt;
  }
  std::int64_t cents = 0;
  for (const char c : integer) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    cents = cents * 10 + (c - '0');
  }
  for (std::size_t i = 0; i < 2; ++i) {
    const char c = i < fraction.size() ? fraction[i] : '0';
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    cents = cents * 10 + (c - '0');
  }
  return cents;
}

std::string format_amount(std::int64_t rupiah) {
  return std::to_string(rupiah) + ".00";
}

}  // namespace tiket::payment
