#include "payment/payment.hpp"

#include <array>

#include "core/errors.hpp"

namespace tiket::payment {

namespace {
constexpr std::array<std::string_view, 4> kStatuses = {"creating", "pending", "settled", "failed"};
constexpr std::array<std::string_view, 4> kFlags = {"amount_mismatch", "refund_required",
                                                    "reversed_after_settlement", "refunded"};

template <typename T>
nlohmann::json optional_json(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}
}  // namespace

std::string_view to_string(Status status) {
  return kStatuses.at(static_cast<std::size_t>(status));
}

Status parse_stored_status(std::string_view text) {
  for (std::size_t i = 0; i < kStatuses.size(); ++i) {
    if (kStatuses[i] == text) {
      return static_cast<Status>(i);
    }
  }
  throw core::DataIntegrityError("payments.status has an unknown value: " + std::string(text));
}

std::string_view to_string(Flag flag) {
  return kFlags.at(static_cast<std::size_t>(flag));
}

std::optional<Flag> parse_stored_flag(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < kFlags.size(); ++i) {
    if (kFlags[i] == text) {
      return static_cast<Flag>(i);
    }
  }
  throw core::DataIntegrityError("payments.flag has an unknown value: " + std::string(text));
}

nlohmann::json to_json(const Payment& payment) {
  return {{"order_id", payment.order_id},
          {"attempt", payment.attempt},
          {"status", to_string(payment.status)},
          {"gross_amount", payment.gross_amount},
          {"redirect_url", optional_json(payment.redirect_url)},
          {"token", optional_json(payment.token)},
          {"gateway_status", optional_json(payment.gateway_status)},
          {"flag", payment.flag ? nlohmann::json(to_string(*payment.flag)) : nullptr},
          {"expires_at", payment.expires_at},
          {"settled_at", optional_json(payment.settled_at)},
          {"created_at", payment.created_at}};
}

nlohmann::json history_json(const std::vector<Payment>& attempts,
                            const std::vector<PaymentEvent>& events) {
  nlohmann::json out = to_json(attempts.back());
  out["attempts"] = nlohmann::json::array();
  for (const auto& a : attempts) {
    out["attempts"].push_back(to_json(a));
  }
  out["history"] = nlohmann::json::array();
  for (const auto& e : events) {
    out["history"].push_back({{"order_id", e.order_id},
                              {"source", e.source},
                              {"transaction_status", e.transaction_status},
                              {"fraud_status", optional_json(e.fraud_status)},
                              {"gross_amount", e.gross_amount},
                              {"outcome", e.outcome},
                              {"received_at", e.received_at}});
  }
  return out;
}

std::string make_order_id(std::string_view booking_code, unsigned attempt) {
  return std::string(booking_code) + "-" + std::to_string(attempt);
}

}  // namespace tiket::payment
