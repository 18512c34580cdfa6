#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tiket::payment {

// An attempt's state (ADR 0013): creating → pending → settled, or → failed.
enum class Status { creating, pending, settled, failed };
std::string_view to_string(Status status);
Status parse_stored_status(std::string_view text);  // core::DataIntegrityError if unknown

// Why an attempt needs an admin: money and booking disagree.
enum class Flag { amount_mismatch, refund_required, reversed_after_settlement, refunded };
std::string_view to_string(Flag flag);
std::optional<Flag> parse_stored_flag(std::string_view text);  // "" → nullopt

struct Payment {
  std::int64_t id = 0;
  std::int64_t booking_id = 0;
  unsigned attempt = 0;
  std::string order_id;
  Status status = Status::creating;
  std::int64_t gross_amount = 0;
  std::optional<std::string> token;
  std::optional<std::string> redirect_url;
  std::optional<std::string> gateway_status;
  std::optional<Flag> flag;
  std::optional<std::string> flag_detail;
  std::string expires_at;  // RFC 3339 UTC
  std::optional<std::string> settled_at;
  std::string created_at;
};

struct PaymentEvent {
  std::string order_id;
  std::string source;  // notification, status_api
  std::string transaction_status;
  std::optional<std::string> fraud_status;
  std::string gross_amount;
  std::string outcome;  // applied, duplicate, ignored, flagged
  std::string received_at;
};

// The answer to POST /payments: {order_id, status, gross_amount, redirect_url, token, expires_at}.
nlohmann::json to_json(const Payment& payment);
// GET /payment: the latest attempt, every attempt, and every gateway status seen.
nlohmann::json history_json(const std::vector<Payment>& attempts,
                            const std::vector<PaymentEvent>& events);

// <booking code>-<attempt>: letters, digits and '-', at most 50 characters.
std::string make_order_id(std::string_view booking_code, unsigned attempt);

}  // namespace tiket::payment
