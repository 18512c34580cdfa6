// Payments and e-tickets against a real tiket-api, a real MariaDB/MySQL and the fake Midtrans
// gateway as a real process (tests/fakes/midtrans/). Every rule of the payment state machine
// (ADR 0013) has a test here that drives the gateway's side through the fake and then checks
// the rows: bookings, payments, payment_events, tickets, ticket_types.available.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "support/api.hpp"
#include "support/fake_gateway.hpp"
#include "support/shop.hpp"

using tiket::test::Api;
using tiket::test::Concert;
using tiket::test::EnvOverrides;
using tiket::test::FakeGateway;
using tiket::test::HttpResponse;
using tiket::test::items;
using tiket::test::metric;

namespace {

EnvOverrides with(EnvOverrides base, const EnvOverrides& more) {
  for (const auto& [k, v] : more) {
    base[k] = v;
  }
  return base;
}

class Payments : public ::testing::Test {
 protected:
  explicit Payments(const EnvOverrides& extra = {})
      : api_(with(with(gateway_.api_env(), {{"CATALOG_CACHE_TTL_MS", "0"},
                                            {"BOOKING_EXPIRY_INTERVAL_S", "3600"},
                                            {"PAYMENT_RECONCILE_INTERVAL_S", "3600"},
                                            {"PAYMENT_GATEWAY_TIMEOUT_MS", "2000"}}),
                  extra)),
        admin_(api_.admin_tokens()["access_token"].get<std::string>()) {
    gateway_.notify_to(api_.base());
  }

  Concert concert(long long quota = 10, long long price = 250000) {
    return tiket::test::create_concert(api_, admin_, {{"Festival", price, quota}});
  }

  std::string customer(const std::string& name) {
    return api_.customer_tokens(name + "@example.id")["access_token"].get<std::string>();
  }

  // A pending booking of `quantity` seats; returns its code.
  std::string booking(const std::string& token, const Concert& c, long long quantity) {
    const auto r = tiket::test::book(api_, token, c.id, items({{c.types[0], quantity}}),
                                     "key-" + std::to_string(++keys_));
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json()["code"].get<std::string>();
  }

  HttpResponse pay(const std::string& token, const std::string& code) const {
    return api_.post("/api/bookings/" + code + "/payments", nlohmann::json::object(), token);
  }

  // Starts a payment that must succeed; returns its order_id.
  std::string start_payment(const std::string& token, const std::string& code) {
    const auto r = pay(token, code);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json()["order_id"].get<std::string>();
  }

  // A notification in the gateway's shape, for crafted deliveries (the fake signs it).
  static nlohmann::json notification(const std::string& order_id, const std::string& status,
                                     const std::string& gross_amount) {
    static const std::map<std::string, std::string> kCodes = {
        {"settlement", "200"}, {"capture", "200"}, {"pending", "201"},
        {"deny", "202"},       {"cancel", "200"},  {"expire", "407"}};
    return {{"order_id", order_id},
            {"status_code", kCodes.at(status)},
            {"gross_amount", gross_amount},
            {"transaction_status", status},
            {"fraud_status", "accept"},
            {"transaction_id", "tx-" + order_id},
            {"payment_type", "bank_transfer"},
            {"currency", "IDR"}};
  }

  std::string booking_status(const std::string& code) {
    return query_text("SELECT status FROM bookings WHERE code = '" + code + "'");
  }
  std::string payment_field(const std::string& order_id, const std::string& column) {
    return query_text("SELECT COALESCE(" + column + ", '') FROM payments WHERE order_id = '" +
                      order_id + "'");
  }
  long long tickets_of(const std::string& code) {
    return api_.db().query_int(
        "SELECT COUNT(*) FROM tickets t JOIN bookings b ON b.id = t.booking_id WHERE b.code = '" +
        code + "'");
  }
  long long events_of(const std::string& order_id) {
    return api_.db().query_int(
        "SELECT COUNT(*) FROM payment_events e JOIN payments p ON p.id = e.payment_id "
        "WHERE p.order_id = '" +
        order_id + "'");
  }
  long long available(std::int64_t type) {
    return api_.db().query_int("SELECT available FROM ticket_types WHERE id = " +
                               std::to_string(type));
  }
  void end_holds() {
    api_.db().connect()->execute(
        "UPDATE bookings SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE "
        "WHERE status = 'pending_payment'");
    api_.db().connect()->execute(
        "UPDATE payments SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE "
        "WHERE status IN ('creating', 'pending')");
  }
  long long run_expiry() {
    const auto run = api_.run_job("expire-bookings", admin_);
    EXPECT_EQ(run["outcome"], "succeeded") << run.dump();
    return run["detail"]["expired"].get<long long>();
  }

  std::string query_text(const std::string& sql) {
    auto conn = api_.db().connect();
    auto& stmt = conn->prepare(sql);
    const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    return rs->next() ? std::string(rs->getString(1)) : std::string("<none>");
  }

  static inline int keys_ = 0;
  FakeGateway gateway_;
  Api api_;
  std::string admin_;
};

}  // namespace

TEST_F(Payments, HappyPathBookPayNotifyTicketsCheckIn) {
  const auto c = concert(10, 250000);
  const auto budi = customer("budi");
  const auto code = booking(budi, c, 3);

  const auto first = pay(budi, code);
  ASSERT_EQ(first.status, 201) << first.body;
  const auto p = first.json();
  EXPECT_EQ(p["order_id"], code + "-1");
  EXPECT_EQ(p["status"], "pending");
  EXPECT_EQ(p["gross_amount"], 750000);
  EXPECT_FALSE(p["token"].get<std::string>().empty());
  EXPECT_TRUE(p["redirect_url"].get<std::string>().starts_with(gateway_.base_url()));
  // The gateway stops taking money no later than the booking's hold ends.
  const auto hold_ends = api_.get("/api/bookings/" + code, budi).json()["expires_at"];
  EXPECT_EQ(p["expires_at"], hold_ends);
  const auto at_gateway = gateway_.transaction(code + "-1")["expiry_time"].get<std::string>();
  EXPECT_LE(at_gateway.substr(0, 19), hold_ends.get<std::string>().substr(0, 19)) << at_gateway;

  // Asking again while the attempt is open returns the same attempt: never a second charge.
  const auto again = pay(budi, code);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json()["order_id"], code + "-1");
  EXPECT_EQ(again.json()["token"], p["token"]);
  EXPECT_EQ(gateway_.transaction(code + "-1")["create_calls"], 1);

  // The customer pays; the gateway notifies us; we answer 200.
  const auto told = gateway_.set_status(code + "-1", "settlement");
  ASSERT_EQ(told["deliveries"][0]["status"], 200) << told.dump();
  EXPECT_EQ(booking_status(code), "paid");
  EXPECT_EQ(payment_field(code + "-1", "status"), "settled");
  EXPECT_EQ(payment_field(code + "-1", "flag"), "");
  EXPECT_EQ(tickets_of(code), 3);
  EXPECT_EQ(available(c.types[0]), 7);

  const auto history = api_.get("/api/bookings/" + code + "/payment", budi);
  ASSERT_EQ(history.status, 200) << history.body;
  EXPECT_EQ(history.json()["status"], "settled");
  ASSERT_EQ(history.json()["history"].size(), 1U);
  EXPECT_EQ(history.json()["history"][0]["transaction_status"], "settlement");
  EXPECT_EQ(history.json()["history"][0]["outcome"], "applied");
  // An admin may read it too.
  EXPECT_EQ(api_.get("/api/bookings/" + code + "/payment", admin_).status, 200);

  const auto tickets = api_.get("/api/bookings/" + code + "/tickets", budi);
  ASSERT_EQ(tickets.status, 200) << tickets.body;
  const auto list = tickets.json()["items"];
  ASSERT_EQ(list.size(), 3U);
  const auto ticket = list[0]["code"].get<std::string>();
  EXPECT_EQ(ticket.size(), 30U);
  EXPECT_TRUE(list[0]["checked_in_at"].is_null());
  EXPECT_NE(list[0]["code"], list[1]["code"]);

  // At the door: admitted once; the second scan says when it was first used.
  const auto in =
      api_.post("/api/tickets/" + ticket + "/check-in", nlohmann::json::object(), admin_);
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_FALSE(in.json()["checked_in_at"].is_null());
  const auto twice =
      api_.post("/api/tickets/" + ticket + "/check-in", nlohmann::json::object(), admin_);
  EXPECT_TRUE(twice.is_problem(409)) << twice.body;
  EXPECT_NE(
      twice.json()["detail"].get<std::string>().find(in.json()["checked_in_at"].get<std::string>()),
      std::string::npos);
  EXPECT_EQ(api_.db().query_int("SELECT COUNT(*) FROM tickets WHERE checked_in_at IS NOT NULL"), 1);

  // A paid booking cannot be paid again.
  EXPECT_TRUE(pay(budi, code).is_problem(409));
  EXPECT_GE(metric(api_, "tiket_payments_total{outcome=\"settled\"}"), 1);
}

TEST_F(Payments, AForgedSignatureChangesNothingAndIsCounted) {
  const auto c = concert();
  const auto budi = customer("budi");
  const auto code = booking(budi, c, 2);
  const auto order = start_payment(budi, code);

  const auto told = gateway_.set_status(order, "settlement", "wrong_signature");
  EXPECT_EQ(told["deliveries"][0]["status"], 401) << told.dump();
  // Unsigned, and signed with another key: the same.
  auto unsigned_body = notification(order, "settlement", "500000.00");
  const auto none = gateway_.send(unsigned_body, 1, false);
  EXPECT_EQ(none["deliveries"][0]["status"], 401);
  unsigned_body["signature_key"] = std::string(128, 'a');
  EXPECT_EQ(gateway_.send(unsigned_body, 1, false)["deliveries"][0]["status"], 401);

  EXPECT_EQ(booking_status(code), "pending_payment");
  EXPECT_EQ(payment_field(order, "status"), "pending");
  EXPECT_EQ(tickets_of(code), 0);
  EXPECT_EQ(events_of(order), 0);
  EXPECT_EQ(metric(api_, "tiket_payment_webhook_verifications_failed_total"), 3);
}

TEST_F(Payments, AReplayedNotificationChangesNothingTheSecondTime) {
  const auto c = concert();
  const auto budi = customer("budi");
  const auto code = booking(budi, c, 2);
  const auto order = start_payment(budi, code);
  ASSERT_EQ(gateway_.set_status(order, "settlement")["deliveries"][0]["status"], 200);
  const auto settled_at = payment_field(order, "settled_at");

  const auto replay = gateway_.send(notification(order, "settlement", "500000.00"));
  EXPECT_EQ(replay["deliveries"][0]["status"], 200);
  EXPECT_NE(replay["deliveries"][0]["body"].get<std::string>().find("duplicate"),
            std::string::npos);
  EXPECT_EQ(tickets_of(code), 2);
  EXPECT_EQ(available(c.types[0]), 8);
  EXPECT_EQ(payment_field(order, "settled_at"), settled_at);
  EXPECT_EQ(events_of(order), 2);  // both kept for audit; only the first applied
}

TEST_F(Payments, ALatePendingIsIgnoredAndAFailureAfterSettlementIsFlagged) {
  const auto c = concert();
  const auto budi = customer("budi");
  const auto code = booking(budi, c, 1);
  const auto order = start_payment(budi, code);
  ASSERT_EQ(gateway_.set_status(order, "settlement")["deliveries"][0]["status"], 200);

  const auto late = gateway_.send(notification(order, "pending", "250000.00"));
  EXPECT_EQ(late["deliveries"][0]["status"], 200);
  EXPECT_EQ(payment_field(order, "status"), "settled");
  EXPECT_EQ(payment_field(order, "gateway_status"), "settlement");
  EXPECT_EQ(booking_status(code), "paid");

  const auto reversed = gateway_.send(notification(order, "deny", "250000.00"));
  EXPECT_EQ(reversed["deliveries"][0]["status"], 200);
  EXPECT_EQ(booking_status(code), "paid");
  EXPECT_EQ(tickets_of(code), 1);
  EXPECT_EQ(payment_field(order, "status"), "settled");
  EXPECT_EQ(payment_field(order, "flag"), "reversed_after_settlement");
}

TEST_F(Payments, ASettlementForADifferentAmountIsFlaggedNotPaid) {
  const auto c = concert(10, 250000);
  const auto budi = customer("budi");
  const auto code = booking(budi, c, 3);
  const auto order = start_payment(budi, code);

  // A fee added at the gateway: the signature is valid, the amount is not ours.
  const auto told =
      gateway_.set_status(order, "settlement", "normal", {{"gross_amount", "760000.00"}});
  EXPECT_EQ(told["deliveries"][0]["status"], 200) << told.dump();
  EXPECT_EQ(booking_status(code), "pending_payment");
  EXPECT_EQ(payment_field(order, "status"), "pending");
  EXPECT_EQ(payment_field(order, "flag"), "amount_mismatch");
  EXPECT_EQ(tickets_of(code), 0);
  EXPECT_EQ(available(c.types[0]), 7);  // still held, until its own expiry
}

TEST_F(Payments, AFailedAttemptLeavesTheBookingPayableWithANewOrderId) {
  const auto c = concert();
  const auto budi = customer("budi");
  const auto code = booking(budi, c, 1);
  const auto order = start_payment(budi, code);
  ASSERT_EQ(gateway_.set_status(order, "deny")["deliveries"][0]["status"], 200);
  EXPECT_EQ(payment_field(order, "status"), "failed");
  EXPECT_EQ(booking_status(code), "pending_payment");

  const auto second = pay(budi, code);
  ASSERT_EQ(second.status, 201) << second.body;
  EXPECT_EQ(second.json()["order_id"], code + "-2");
  ASSERT_EQ(gateway_.set_status(code + "-2", "settlement")["deliveries"][0]["status"], 200);
  EXPECT_EQ(booking_status(code), "paid");
  EXPECT_EQ(api_.get("/api/bookings/" + code + "/payment", budi).json()["attempts"].size(), 2U);
}

class PaymentsWithShortTimeouts : public Payments {
 protected:
  PaymentsWithShortTimeouts()
      : Payments({{"PAYMENT_GATEWAY_TIMEOUT_MS", "1000"},
                  {"PAYMENT_CREATE_ATTEMPTS", "2"},
                  {"PAYMENT_BREAKER_FAILURES", "3"},
                  {"PAYMENT_BREAKER_COOLDOWN_MS", "8000"}}) {}
};

TEST_F(PaymentsWithShortTimeouts, ACreateTimeoutIsRetriedWithTheSameOrderIdAndMakesOneTransaction) {
  const auto c = concert();
  const auto budi = customer("budi");
  const auto code = booking(budi, c, 2);
  // Both tries of the first request time out; the gateway still creates the transaction.
  gateway_.fault({{"target", "create"}, {"mode", "delay"}, {"delay_ms", 2500}, {"count", 2}});
  const auto first = pay(budi, code);
  EXPECT_TRUE(first.is_problem(503)) << first.body;
  EXPECT_FALSE(first.header("retry-after").empty());
  EXPECT_EQ(payment_field(code + "-1", "status"), "creating");  // kept for the retry

  const auto retry = pay(budi, code);
  ASSERT_EQ(retry.status, 201) << retry.body;
  EXPECT_EQ(retry.json()["order_id"], code + "-1");
  // The two delayed calls reach the gateway's logic late, in any order with the retry's: wait
  // until all three were handled, then there must be exactly one transaction.
  nlohmann::json all;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  do {
    all = gateway_.get("/_fake/transactions").json()["items"];
    if (all.size() == 1 && all[0]["create_calls"] == 3) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  ASSERT_EQ(all.size(), 1U) << all.dump();
  EXPECT_EQ(all[0]["order_id"], code + "-1");
  EXPECT_EQ(all[0]["create_calls"], 3) << gateway_.log();
  EXPECT_EQ(all[0]["token"], retry.json()["token"]);
  EXPECT_EQ(api_.db().query_int("SELECT COUNT(*) FROM payments"), 1);
}

TEST_F(PaymentsWithShortTimeouts, AGatewayThatRefusesAReusedOrderIdGetsANewAttemptNeverTwoCharges) {
  // The real Snap answers a reused order_id with 400 "has already been taken".
  ASSERT_EQ(gateway_.post("/_fake/config", {{"duplicate_order", "reject"}}).status, 200);
  const auto c = concert();
  const auto budi = customer("budi");
  const auto code = booking(budi, c, 1);
  gateway_.fault({{"target", "create"}, {"mode", "delay"}, {"delay_ms", 2500}, {"count", 2}});
  EXPECT_TRUE(pay(budi, code).is_problem(503));
  // Wait until the gateway has handled both delayed tries (it made the transaction once).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (gateway_.transaction(code + "-1").is_null() ||
         gateway_.transaction(code + "-1")["create_calls"] != 2) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << gateway_.log();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // The retry with the same order_id is refused: that attempt is closed, nobody saw its token.
  const auto refused = pay(budi, code);
  EXPECT_TRUE(refused.is_problem(502)) << refused.body;
  EXPECT_EQ(payment_field(code + "-1", "status"), "failed");
  const auto next = pay(budi, code);
  ASSERT_EQ(next.status, 201) << next.body;
  EXPECT_EQ(next.json()["order_id"], code + "-2");
  EXPECT_EQ(gateway_.get("/_fake/transactions").json()["items"].size(), 2U);
  ASSERT_EQ(gateway_.set_status(code + "-2", "settlement")["deliveries"][0]["status"], 200);
  EXPECT_EQ(booking_status(code), "paid");
}

TEST_F(PaymentsWithShortTimeouts, TheBreakerOpensFailsFastAndClosesAgain) {
  const auto c = concert(50);
  const auto budi = customer("budi");
  std::vector<std::string> codes;
  for (int i = 0; i < 5; ++i) {
    codes.push_back(booking(budi, c, 1));
  }
  // Three failures in a row (500s) open the breaker.
  gateway_.fault({{"target", "create"}, {"mode", "error"}, {"status", 500}, {"count", 6}});
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(pay(budi, codes[static_cast<std::size_t>(i)]).is_problem(503));
  }
  EXPECT_EQ(metric(api_, "tiket_payment_gateway_breaker_state"), 1);
  const auto calls_when_open = gateway_.get("/_fake/faults").json()["faults"];
  // Open: fails fast, the gateway sees no call. The cool-down (8 s) leaves a slow runner
  // ample time between the breaker opening and this call.
  const auto fast = pay(budi, codes[2]);
  EXPECT_TRUE(fast.is_problem(503)) << fast.body;
  EXPECT_FALSE(fast.header("retry-after").empty());
  EXPECT_EQ(gateway_.get("/_fake/faults").json()["faults"], calls_when_open);
  EXPECT_EQ(
      metric(api_,
             "tiket_payment_gateway_requests_total{call=\"create\",outcome=\"breaker_open\"}"),
      1);

  // Clear the faults; after the cool-down one probe goes through and closes it.
  ASSERT_EQ(gateway_.post("/_fake/reset", nlohmann::json::object()).status, 200);
  gateway_.notify_to(api_.base());
  HttpResponse probe;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    probe = pay(budi, codes[3]);
  } while (probe.status == 503 && std::chrono::steady_clock::now() < deadline);
  ASSERT_EQ(probe.status, 201) << probe.body;
  EXPECT_EQ(metric(api_, "tiket_payment_gateway_breaker_state"), 0);
  EXPECT_EQ(pay(budi, codes[4]).status, 201);
}

class PaymentsReconciled : public Payments {
 protected:
  PaymentsReconciled() : Payments({{"PAYMENT_RECONCILE_MIN_AGE_S", "0"}}) {}
};

TEST_F(PaymentsReconciled, ADroppedNotificationIsHealedByReconciliation) {
  const auto c = concert();
  const auto budi = customer("budi");
  const auto code = booking(budi, c, 2);
  const auto order = start_payment(budi, code);
  const auto other = booking(budi, c, 1);
  const auto waiting = start_payment(budi, other);
  // Paid at the gateway, but the notification never arrives.
  gateway_.set_status(order, "settlement", "none");
  EXPECT_EQ(booking_status(code), "pending_payment");

  const auto run = api_.run_job("reconcile-payments", admin_);
  ASSERT_EQ(run["outcome"], "succeeded") << run.dump();
  EXPECT_EQ(run["detail"]["checked"], 2);
  EXPECT_EQ(run["detail"]["changed"], 1);
  EXPECT_EQ(booking_status(code), "paid");
  EXPECT_EQ(tickets_of(code), 2);
  EXPECT_EQ(query_text("SELECT source FROM payment_events"), "status_api");
  // The other attempt: the customer has not acted, the hold is on: left open.
  EXPECT_EQ(payment_field(waiting, "status"), "pending");

  // Once its hold is over and the gateway never saw a payment, it is closed.
  end_holds();
  const auto later = api_.run_job("reconcile-payments", admin_);
  EXPECT_EQ(later["detail"]["closed"], 1) << later.dump();
  EXPECT_EQ(payment_field(waiting, "status"), "failed");
  // Only customers and admins' jobs: a customer may not run it.
  EXPECT_TRUE(api_.post("/api/admin/jobs/reconcile-payments/run", nlohmann::json::object(), budi)
                  .is_problem(403));
}

TEST_F(Payments, TwentyDuplicateNotificationsInParallelMakeOneTransition) {
  const auto c = concert(10, 100000);
  const auto budi = customer("budi");
  const auto code = booking(budi, c, 4);
  const auto order = start_payment(budi, code);
  const auto answers = gateway_.send(notification(order, "settlement", "400000.00"), 20);
  int applied = 0;
  int duplicate = 0;
  for (const auto& d : answers["deliveries"]) {
    ASSERT_EQ(d["status"], 200) << d.dump();
    const auto outcome = nlohmann::json::parse(d["body"].get<std::string>())["outcome"];
    applied += outcome == "applied" ? 1 : 0;
    duplicate += outcome == "duplicate" ? 1 : 0;
  }
  EXPECT_EQ(applied, 1);
  EXPECT_EQ(duplicate, 19);
  EXPECT_EQ(tickets_of(code), 4);
  EXPECT_EQ(available(c.types[0]), 6);
  EXPECT_EQ(events_of(order), 20);
}

TEST_F(Payments, PaidAfterTheHoldEndedTakesTheSeatsBackWhenTheyAreFree) {
  const auto c = concert(5);
  const auto budi = customer("budi");
  const auto code = booking(budi, c, 2);
  const auto order = start_payment(budi, code);
  end_holds();
  ASSERT_EQ(run_expiry(), 1);
  EXPECT_EQ(available(c.types[0]), 5);

  ASSERT_EQ(
      gateway_.send(notification(order, "settlement", "500000.00"))["deliveries"][0]["status"],
      200);
  EXPECT_EQ(booking_status(code), "paid");
  EXPECT_EQ(available(c.types[0]), 3);
  EXPECT_EQ(tickets_of(code), 2);
  EXPECT_EQ(payment_field(order, "flag"), "");
  EXPECT_EQ(metric(api_, "tiket_bookings_total{outcome=\"paid_late\"}"), 1);
}

TEST_F(Payments, PaidAfterTheHoldEndedAndTheSeatsWereResoldIsFlaggedForRefund) {
  const auto c = concert(2);
  const auto budi = customer("budi");
  const auto code = booking(budi, c, 2);
  const auto order = start_payment(budi, code);
  end_holds();
  ASSERT_EQ(run_expiry(), 1);
  const auto siti = customer("siti");
  const auto resold = booking(siti, c, 2);
  EXPECT_EQ(available(c.types[0]), 0);

  ASSERT_EQ(
      gateway_.send(notification(order, "settlement", "500000.00"))["deliveries"][0]["status"],
      200);
  EXPECT_EQ(booking_status(code), "expired");
  EXPECT_EQ(payment_field(order, "status"), "settled");
  EXPECT_EQ(payment_field(order, "flag"), "refund_required");
  EXPECT_EQ(tickets_of(code), 0);
  EXPECT_EQ(available(c.types[0]), 0);  // never oversold
  EXPECT_EQ(booking_status(resold), "pending_payment");
}

TEST_F(Payments, SettlementsRacingTheExpiryAndOtherBuyersNeverCountSeatsTwice) {
  constexpr long long kQuota = 12;
  const auto c = concert(kQuota);
  const auto budi = customer("budi");
  std::vector<std::string> codes;
  std::vector<std::string> orders;
  for (int i = 0; i < 6; ++i) {
    codes.push_back(booking(budi, c, 2));
    orders.push_back(start_payment(budi, codes.back()));
  }
  ASSERT_EQ(available(c.types[0]), 0);
  end_holds();
  const auto siti = customer("siti");

  // All at once: two expiry runs, a settlement for each booking, and another buyer trying to
  // take the seats the expiry frees.
  std::vector<std::thread> threads;
  std::latch start(static_cast<std::ptrdiff_t>(orders.size()) + 2 + 6);
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      run_expiry();
    });
  }
  for (const auto& order : orders) {
    threads.emplace_back([&, order] {
      start.arrive_and_wait();
      const auto r = gateway_.send(notification(order, "settlement", "500000.00"));
      EXPECT_EQ(r["deliveries"][0]["status"], 200) << r.dump();
    });
  }
  std::atomic<int> resold{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      const auto r = tiket::test::book(api_, siti, c.id, items({{c.types[0], 2}}),
                                       "siti-" + std::to_string(i));
      if (r.status == 201) {
        ++resold;
      } else {
        EXPECT_TRUE(r.is_problem(409)) << r.body;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }

  long long paid_seats = 0;
  for (std::size_t i = 0; i < codes.size(); ++i) {
    const auto status = booking_status(codes[i]);
    const auto flag = payment_field(orders[i], "flag");
    EXPECT_EQ(payment_field(orders[i], "status"), "settled");
    if (status == "paid") {
      EXPECT_EQ(tickets_of(codes[i]), 2);
      EXPECT_EQ(flag, "");
      paid_seats += 2;
    } else {
      EXPECT_EQ(status, "expired");
      EXPECT_EQ(tickets_of(codes[i]), 0);
      EXPECT_EQ(flag, "refund_required");
    }
  }
  // Every seat is counted exactly once: sold to budi, held by siti, or still available.
  EXPECT_EQ(paid_seats + 2 * resold.load() + available(c.types[0]), kQuota);
  EXPECT_EQ(api_.db().query_int("SELECT COUNT(*) FROM tickets"), paid_seats);
}

TEST_F(Payments, TwoConcurrentCheckInsAdmitOnce) {
  const auto c = concert();
  const auto budi = customer("budi");
  const auto code = booking(budi, c, 1);
  const auto order = start_payment(budi, code);
  ASSERT_EQ(gateway_.set_status(order, "settlement")["deliveries"][0]["status"], 200);
  const auto ticket = api_.get("/api/bookings/" + code + "/tickets", budi)
                          .json()["items"][0]["code"]
                          .get<std::string>();

  constexpr int kScanners = 8;
  std::latch start(kScanners);
  std::atomic<int> admitted{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kScanners; ++i) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      const auto r =
          api_.post("/api/tickets/" + ticket + "/check-in", nlohmann::json::object(), admin_);
      if (r.status == 200) {
        ++admitted;
      } else if (r.is_problem(409)) {
        ++refused;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(admitted.load(), 1);
  EXPECT_EQ(refused.load(), kScanners - 1);
}

TEST_F(Payments, BadInputIsA4xxProblemAndChangesNothing) {
  const auto c = concert();
  const auto budi = customer("budi");
  const auto siti = customer("siti");
  const auto code = booking(budi, c, 1);
  const auto order = start_payment(budi, code);
  const auto before = api_.db().query_int("SELECT COUNT(*) FROM payments") * 1000 +
                      api_.db().query_int("SELECT COUNT(*) FROM payment_events");

  // Payments: a malformed or unknown code, someone else's booking, no payment yet.
  EXPECT_TRUE(pay(budi, "nope").is_problem(404));
  EXPECT_TRUE(pay(budi, "TIX-20200101-000001").is_problem(404));
  EXPECT_TRUE(pay(siti, code).is_problem(404));
  EXPECT_TRUE(
      api_.post("/api/bookings/" + code + "/payments", nlohmann::json::object()).is_problem(401));
  EXPECT_TRUE(api_.get("/api/bookings/" + code + "/payment", siti).is_problem(404));
  const auto fresh = booking(siti, c, 1);
  EXPECT_TRUE(api_.get("/api/bookings/" + fresh + "/payment", siti).is_problem(404));
  EXPECT_TRUE(api_.get("/api/bookings/" + code + "/tickets", siti).is_problem(404));

  // The webhook: not JSON, not an object, missing fields, a bad amount, an unknown order.
  tiket::test::HttpClient raw(api_.base());
  EXPECT_TRUE(raw.post_json("/api/payments/notifications", "{not json").is_problem(400));
  EXPECT_TRUE(raw.post_json("/api/payments/notifications", "[1,2]").is_problem(400));
  const auto missing = raw.post_json("/api/payments/notifications", R"({"order_id":"x"})");
  EXPECT_TRUE(missing.is_problem(400)) << missing.body;
  EXPECT_NE(missing.body.find("transaction_status"), std::string::npos);
  EXPECT_TRUE(raw.request("POST", "/api/payments/notifications", "order_id=x",
                          {"Content-Type: application/x-www-form-urlencoded"})
                  .is_problem(415));
  const auto unknown =
      gateway_.send(notification("TIX-20200101-000001-1", "settlement", "100000.00"));
  EXPECT_EQ(unknown["deliveries"][0]["status"], 404);
  const auto odd_amount = gateway_.send(notification(order, "settlement", "1e5"));
  EXPECT_EQ(odd_amount["deliveries"][0]["status"], 200);  // signed, so recorded and flagged
  EXPECT_EQ(payment_field(order, "flag"), "amount_mismatch");
  EXPECT_EQ(booking_status(code), "pending_payment");

  // Tickets: a malformed code, an unknown one, a customer scanning, another organizer.
  EXPECT_TRUE(
      api_.post("/api/tickets/nope/check-in", nlohmann::json::object(), admin_).is_problem(404));
  EXPECT_TRUE(api_.post("/api/tickets/TKT-AAAAAAAAAAAAAAAAAAAAAAAAAA/check-in",
                        nlohmann::json::object(), admin_)
                  .is_problem(404));
  EXPECT_TRUE(api_.post("/api/tickets/TKT-AAAAAAAAAAAAAAAAAAAAAAAAAA/check-in",
                        nlohmann::json::object(), budi)
                  .is_problem(403));
  // Payments cannot start for a cancelled or an expired booking.
  ASSERT_EQ(api_.post("/api/bookings/" + fresh + "/cancel", nlohmann::json::object(), siti).status,
            200);
  EXPECT_TRUE(pay(siti, fresh).is_problem(409));
  const auto after = api_.db().query_int("SELECT COUNT(*) FROM payments") * 1000 +
                     api_.db().query_int("SELECT COUNT(*) FROM payment_events");
  EXPECT_EQ(after, before + 1);  // only the flagged odd amount left its audit row
}

TEST_F(Payments, OnlyTheConcertsOrganizerOrAnAdminChecksIn) {
  const auto organizer_email = "org-" + std::to_string(++keys_) + "@example.id";
  const auto other_email = "org-" + std::to_string(++keys_) + "@example.id";
  for (const auto& email : {organizer_email, other_email}) {
    ASSERT_EQ(api_.post("/api/users",
                        {{"email", email},
                         {"password", "correct-horse-42"},
                         {"name", "Organizer"},
                         {"role", "organizer"}},
                        admin_)
                  .status,
              201);
  }
  const auto organizer =
      api_.login(organizer_email, "correct-horse-42").json()["access_token"].get<std::string>();
  const auto other =
      api_.login(other_email, "correct-horse-42").json()["access_token"].get<std::string>();
  const auto c = tiket::test::create_concert(api_, organizer, {{"Festival", 100000, 5}});
  const auto budi = customer("budi");
  const auto code = booking(budi, c, 1);
  const auto order = start_payment(budi, code);
  ASSERT_EQ(gateway_.set_status(order, "settlement")["deliveries"][0]["status"], 200);
  const auto ticket = api_.get("/api/bookings/" + code + "/tickets", budi)
                          .json()["items"][0]["code"]
                          .get<std::string>();

  EXPECT_TRUE(api_.post("/api/tickets/" + ticket + "/check-in", nlohmann::json::object(), other)
                  .is_problem(404));
  EXPECT_EQ(api_.db().query_int("SELECT COUNT(*) FROM tickets WHERE checked_in_at IS NOT NULL"), 0);
  EXPECT_EQ(
      api_.post("/api/tickets/" + ticket + "/check-in", nlohmann::json::object(), organizer).status,
      200);
}

class PaymentsVerifiedWithStatus : public Payments {
 protected:
  PaymentsVerifiedWithStatus() : Payments({{"PAYMENT_VERIFY_WITH_STATUS", "true"}}) {}
};

TEST_F(PaymentsVerifiedWithStatus, ANotificationIsAppliedAsTheStatusApiConfirmsIt) {
  const auto c = concert();
  const auto budi = customer("budi");
  const auto code = booking(budi, c, 1);
  const auto order = start_payment(budi, code);
  // The gateway says pending; a validly signed notification claims settlement.
  gateway_.set_status(order, "pending", "none");
  const auto claim = gateway_.send(notification(order, "settlement", "250000.00"));
  EXPECT_EQ(claim["deliveries"][0]["status"], 200);
  EXPECT_EQ(booking_status(code), "pending_payment");
  EXPECT_EQ(payment_field(order, "gateway_status"), "pending");

  gateway_.set_status(order, "settlement");
  EXPECT_EQ(booking_status(code), "paid");
  EXPECT_EQ(tickets_of(code), 1);
}
