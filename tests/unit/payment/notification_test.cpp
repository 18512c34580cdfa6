#include "payment/notification.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include "core/errors.hpp"
#include "payment/gateway.hpp"
#include "payment/payment.hpp"

using namespace tiket::payment;

namespace {
nlohmann::json body() {
  return {{"order_id", "TIX-20261130-000042-1"},
          {"status_code", "200"},
          {"gross_amount", "750000.00"},
          {"transaction_status", "settlement"},
          {"fraud_status", "accept"},
          {"signature_key", "x"},
          {"a_field_added_later", {{"nested", true}}}};
}
}  // namespace

TEST(PaymentSignature, IsSha512OfTheFourStringsInLowercaseHex) {
  ASSERT_GE(sodium_init(), 0);
  // sha512("abc"): the FIPS 180-2 test vector, split across the four parts.
  EXPECT_EQ(signature_for("a", "b", "c", ""),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST(PaymentSignature, VerifiesOverTheStringsExactlyAsReceived) {
  auto status = parse_gateway_status(body(), "{}");
  status.signature_key =
      signature_for(status.order_id, status.status_code, status.gross_amount, "server-key");
  EXPECT_TRUE(signature_valid(status, "server-key"));
  EXPECT_FALSE(signature_valid(status, "another-key"));
  auto reformatted = status;
  reformatted.gross_amount = "750000";  // the same number, other text: not what was signed
  EXPECT_FALSE(signature_valid(reformatted, "server-key"));
  auto upper = status;
  for (auto& c : upper.signature_key) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  EXPECT_FALSE(signature_valid(upper, "server-key"));
  auto shorter = status;
  shorter.signature_key.pop_back();
  EXPECT_FALSE(signature_valid(shorter, "server-key"));
  shorter.signature_key.clear();
  EXPECT_FALSE(signature_valid(shorter, "server-key"));
}

TEST(PaymentNotification, IgnoresUnknownFieldsAndListsEveryMissingOne) {
  const auto parsed = parse_gateway_status(body(), "raw");
  EXPECT_EQ(parsed.order_id, "TIX-20261130-000042-1");
  EXPECT_EQ(parsed.raw, "raw");
  try {
    parse_gateway_status({{"order_id", 42}, {"gross_amount", "1.00"}}, "");
    FAIL() << "expected a validation error";
  } catch (const tiket::core::AppError& e) {
    EXPECT_EQ(e.status(), 400);
    std::set<std::string> fields;
    for (const auto& err : e.errors()) {
      fields.insert(err.field);
    }
    EXPECT_EQ(fields, (std::set<std::string>{"order_id", "status_code", "transaction_status"}));
  }
  EXPECT_THROW(parse_gateway_status(nlohmann::json::array(), ""), tiket::core::AppError);
}

TEST(PaymentVerdict, FollowsTheGatewaysDocumentedStatuses) {
  EXPECT_EQ(classify("settlement", ""), Verdict::settled);
  EXPECT_EQ(classify("capture", ""), Verdict::settled);
  EXPECT_EQ(classify("capture", "accept"), Verdict::settled);
  EXPECT_EQ(classify("capture", "challenge"), Verdict::waiting);
  EXPECT_EQ(classify("capture", "deny"), Verdict::failed);
  EXPECT_EQ(classify("pending", ""), Verdict::waiting);
  EXPECT_EQ(classify("authorize", ""), Verdict::waiting);
  for (const auto* s : {"deny", "cancel", "expire", "failure"}) {
    EXPECT_EQ(classify(s, ""), Verdict::failed) << s;
  }
  EXPECT_EQ(classify("refund", ""), Verdict::refunded);
  EXPECT_EQ(classify("partial_refund", ""), Verdict::refunded);
  EXPECT_EQ(classify("chargeback", ""), Verdict::unknown);
  EXPECT_EQ(classify("SETTLEMENT", ""), Verdict::unknown);
}

TEST(PaymentAmount, ParsesExactlyWithoutFloatingPoint) {
  EXPECT_EQ(parse_amount_cents("750000.00"), 75000000);
  EXPECT_EQ(parse_amount_cents("750000"), 75000000);
  EXPECT_EQ(parse_amount_cents("750000.5"), 75000050);
  EXPECT_EQ(parse_amount_cents("0.01"), 1);
  // A double would round this; the exact parse keeps every digit.
  EXPECT_EQ(parse_amount_cents("999999999999999.99"), 99999999999999999);
  for (const auto* bad : {"", ".00", "1.", "1.000", "-1.00", "+1", "1e5", " 1", "1 ", "1,000.00",
                          "1.0.0", "0x10", "1000000000000000.00", "1.-1"}) {
    EXPECT_FALSE(parse_amount_cents(bad).has_value()) << bad;
  }
  EXPECT_EQ(format_amount(750000), "750000.00");
}

TEST(PaymentOrderId, IsTheBookingCodeAndTheAttemptAndFitsTheGateway) {
  const auto id = make_order_id("TIX-20261130-000042", 3);
  EXPECT_EQ(id, "TIX-20261130-000042-3");
  EXPECT_LE(make_order_id("TIX-20261130-9999999999", 4294967295U).size(), 50U);
}

TEST(SnapRequest, ItemsSumToTheGrossAmountAndTheExpiryIsInMinutes) {
  SnapOrder order;
  order.order_id = "TIX-20261130-000042-1";
  order.gross_amount = 850000;
  order.items = {{"7", 250000, 3, "VIP"}, {"8", 100000, 1, "Festival"}};
  order.customer_name = "Budi";
  order.customer_email = "budi@example.id";
  order.start_time = "2026-11-30 08:00:00";
  order.expiry_minutes = 14;
  const auto json = nlohmann::json::parse(snap_request_body(order));
  EXPECT_EQ(json["transaction_details"]["gross_amount"], 850000);
  std::int64_t sum = 0;
  for (const auto& item : json["item_details"]) {
    sum += item["price"].get<std::int64_t>() * item["quantity"].get<std::int64_t>();
  }
  EXPECT_EQ(sum, 850000);
  EXPECT_EQ(json["expiry"]["start_time"], "2026-11-30 08:00:00 +0000");
  EXPECT_EQ(json["expiry"]["unit"], "minute");
  EXPECT_EQ(json["expiry"]["duration"], 14);
  EXPECT_EQ(json["customer_details"]["email"], "budi@example.id");
}
