#include "booking/booking.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <map>
#include <set>

#include "booking/routes.hpp"
#include "booking/service.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"

using namespace std::chrono_literals;
using tiket::booking::BookingRequest;

namespace {
std::chrono::system_clock::time_point utc(int y, unsigned m, unsigned d, int h, int min, int s) {
  using namespace std::chrono;
  return sys_days{year{y} / month{m} / day{d}} + hours{h} + minutes{min} + seconds{s};
}

std::vector<tiket::core::FieldError> errors_of(const nlohmann::json& body) {
  try {
    tiket::booking::read_booking_request(body);
  } catch (const tiket::core::AppError& e) {
    EXPECT_EQ(e.status(), 400);
    return e.errors();
  }
  return {};
}
}  // namespace

TEST(BookingCode, HasTheDayAndASixDigitRunningNumber) {
  EXPECT_EQ(tiket::booking::format_code({2026, 11, 21}, 42), "TIX-20261121-000042");
  EXPECT_EQ(tiket::booking::format_code({2026, 1, 2}, 1), "TIX-20260102-000001");
  // A very busy day grows a digit rather than wrapping.
  EXPECT_EQ(tiket::booking::format_code({2026, 11, 21}, 1000000), "TIX-20261121-1000000");
}

TEST(BookingCode, ShapeCheck) {
  EXPECT_TRUE(tiket::booking::looks_like_code("TIX-20261121-000042"));
  EXPECT_TRUE(tiket::booking::looks_like_code("TIX-20261121-1000000"));
  EXPECT_FALSE(tiket::booking::looks_like_code("TIX-20261121-00004"));
  EXPECT_FALSE(tiket::booking::looks_like_code("tix-20261121-000042"));
  EXPECT_FALSE(tiket::booking::looks_like_code("TIX-2026112a-000042"));
  EXPECT_FALSE(tiket::booking::looks_like_code("TIX-20261121-000042' OR 1=1"));
  EXPECT_FALSE(tiket::booking::looks_like_code(""));
}

TEST(BusinessDay, IsTakenInTheBusinessTimeZone) {
  tiket::core::set_business_time_zone("Asia/Jakarta");  // UTC+7, no daylight saving
  const auto before = tiket::core::business_day(utc(2026, 11, 21, 16, 59, 59));
  const auto after = tiket::core::business_day(utc(2026, 11, 21, 17, 0, 0));
  EXPECT_EQ(tiket::core::format_compact(before), "20261121");
  EXPECT_EQ(tiket::core::format_compact(after), "20261122");
  EXPECT_EQ(tiket::core::format_iso(after), "2026-11-22");
  // New Year in Jakarta happens at 17:00 UTC on 31 December.
  EXPECT_EQ(tiket::core::format_compact(tiket::core::business_day(utc(2026, 12, 31, 17, 30, 0))),
            "20270101");
}

TEST(BusinessDay, UnknownZonesAreRefused) {
  EXPECT_TRUE(tiket::core::valid_time_zone("Asia/Jakarta"));
  EXPECT_FALSE(tiket::core::valid_time_zone("Asia/Atlantis"));
  EXPECT_FALSE(tiket::core::valid_time_zone("../../etc/passwd"));
  EXPECT_FALSE(tiket::core::valid_time_zone("/etc/localtime"));
  EXPECT_FALSE(tiket::core::valid_time_zone(""));
}

TEST(BookingRequestFingerprint, IgnoresItemOrderButNotQuantities) {
  const BookingRequest a{7, {{1, 2}, {3, 1}}};
  const BookingRequest b{7, {{3, 1}, {1, 2}}};
  const BookingRequest c{7, {{1, 2}, {3, 2}}};
  const BookingRequest d{8, {{1, 2}, {3, 1}}};
  EXPECT_EQ(tiket::booking::request_fingerprint(a), tiket::booking::request_fingerprint(b));
  EXPECT_NE(tiket::booking::request_fingerprint(a), tiket::booking::request_fingerprint(c));
  EXPECT_NE(tiket::booking::request_fingerprint(a), tiket::booking::request_fingerprint(d));
}

TEST(BookingRequestBody, ReportsEveryProblemAtOnce) {
  const auto errors = errors_of(nlohmann::json::parse(
      R"({"concert_id": 0, "items": [{"ticket_type_id": 1, "quantity": 0},
          {"ticket_type_id": "x", "quantity": 1}, 5, {"ticket_type_id": 1, "quantity": 1,
          "colour": "red"}], "coupon": "FREE"})"));
  std::set<std::string> fields;
  for (const auto& e : errors) {
    fields.insert(e.field);
  }
  for (const auto* f : {"concert_id", "items[0].quantity", "items[1].ticket_type_id", "items[2]",
                        "items[3].colour", "coupon"}) {
    EXPECT_TRUE(fields.count(f) == 1) << f;
  }
}

TEST(BookingRequestBody, AcceptsAValidRequestAndIgnoresClientPrices) {
  const auto r = tiket::booking::read_booking_request(nlohmann::json::parse(
      R"({"concert_id": 3, "items": [{"ticket_type_id": 9, "quantity": 2, "unit_price": 1}]})"));
  EXPECT_EQ(r.concert_id, 3);
  ASSERT_EQ(r.items.size(), 1U);
  EXPECT_EQ(r.items[0].ticket_type_id, 9);
  EXPECT_EQ(r.items[0].quantity, 2);
}

TEST(BookingRequestBody, RefusesDuplicateTicketTypesAndTooManyItems) {
  EXPECT_FALSE(errors_of(nlohmann::json::parse(
                             R"({"concert_id": 3, "items": [{"ticket_type_id": 9, "quantity": 1},
                                {"ticket_type_id": 9, "quantity": 1}]})"))
                   .empty());
  nlohmann::json many = {{"concert_id", 3}, {"items", nlohmann::json::array()}};
  for (int i = 1; i <= 11; ++i) {
    many["items"].push_back({{"ticket_type_id", i}, {"quantity", 1}});
  }
  EXPECT_FALSE(errors_of(many).empty());
}

TEST(BookingStatus, FormatsAndParsesEveryStatus) {
  using tiket::booking::Status;
  for (const auto status :
       {Status::pending_payment, Status::paid, Status::expired, Status::cancelled}) {
    const auto text = tiket::booking::to_string(status);
    EXPECT_EQ(tiket::booking::parse_status(text), status) << text;
    EXPECT_EQ(tiket::booking::parse_stored_status(text), status) << text;
  }
  EXPECT_EQ(tiket::booking::to_string(Status::pending_payment), "pending_payment");
}

TEST(BookingStatus, UnknownTextIsNulloptFromAClientAndADataErrorFromTheDatabase) {
  for (const auto* text : {"", "PAID", "pending", "refunded", "paid "}) {
    EXPECT_EQ(tiket::booking::parse_status(text), std::nullopt) << text;
    // Never silently pending_payment: that would hold seats for a booking in an unknown state.
    EXPECT_THROW(tiket::booking::parse_stored_status(text), tiket::core::DataIntegrityError)
        << text;
  }
  // A data error is not an AppError: the client gets a generic 500 and the log gets the text.
  const auto p = tiket::core::problem_from_exception(
      std::make_exception_ptr(tiket::core::DataIntegrityError("bookings.status ...")));
  EXPECT_EQ(p.status, 500);
  EXPECT_TRUE(p.internal);
}

namespace {
using tiket::booking::TicketTypeRow;
std::map<std::int64_t, TicketTypeRow> concert_7_types() {
  // Types 1 and 3 belong to concert 7, type 5 to concert 8.
  return {{1, {1, 7, 350'000, std::nullopt}}, {3, {3, 7, 1'200'000, 4}}, {5, {5, 8, 100, 2}}};
}

tiket::core::AppError price_error(const BookingRequest& request,
                                  const std::map<std::int64_t, TicketTypeRow>& types) {
  try {
    tiket::booking::price_items(request, types);
  } catch (const tiket::core::AppError& e) {
    return e;
  }
  ADD_FAILURE() << "price_items accepted the request";
  return tiket::core::AppError::bad_request("none");
}
}  // namespace

TEST(BookingPricing, PricesFromTheTicketTypesInTicketTypeOrder) {
  const auto priced =
      tiket::booking::price_items(BookingRequest{7, {{3, 2}, {1, 1}}}, concert_7_types());
  ASSERT_EQ(priced.items.size(), 2U);
  EXPECT_EQ(priced.items[0].item.ticket_type_id, 1);
  EXPECT_EQ(priced.items[0].item.unit_price, 350'000);
  EXPECT_EQ(priced.items[0].per_user_limit, std::nullopt);
  EXPECT_EQ(priced.items[1].item.ticket_type_id, 3);
  EXPECT_EQ(priced.items[1].item.quantity, 2);
  EXPECT_EQ(priced.items[1].per_user_limit, 4);
  EXPECT_EQ(priced.total, 350'000 + 2 * 1'200'000);
}

TEST(BookingPricing, NamesEveryItemOfAnotherConcertOrOfNoConcertByItsIndex) {
  const auto e = price_error(BookingRequest{7, {{1, 1}, {5, 1}, {99, 1}}}, concert_7_types());
  EXPECT_EQ(e.kind(), tiket::core::ProblemKind::unknown_ticket_type);
  ASSERT_EQ(e.errors().size(), 2U);
  EXPECT_EQ(e.errors()[0].field, "items[1].ticket_type_id");
  EXPECT_EQ(e.errors()[1].field, "items[2].ticket_type_id");
}

TEST(BookingPricing, ATotalThatDoesNotFitIsRefused) {
  std::map<std::int64_t, TicketTypeRow> types{
      {1, {1, 7, std::numeric_limits<std::int64_t>::max() / 2, std::nullopt}},
      {2, {2, 7, std::numeric_limits<std::int64_t>::max() / 2, std::nullopt}},
      {3, {3, 7, 1, std::nullopt}}};
  EXPECT_EQ(price_error(BookingRequest{7, {{1, 3}}}, types).kind(),
            tiket::core::ProblemKind::total_too_large);
  EXPECT_EQ(price_error(BookingRequest{7, {{1, 1}, {2, 1}, {3, 2}}}, types).kind(),
            tiket::core::ProblemKind::total_too_large);
  // Each line fits and so does their sum: max/2 + max/2 + 1 = max.
  EXPECT_EQ(tiket::booking::price_items(BookingRequest{7, {{1, 1}, {2, 1}, {3, 1}}}, types).total,
            std::numeric_limits<std::int64_t>::max());
}
