// Job schedules: interval slots, daily slots in the business zone, and the settings that name
// them. The lease and the run history are tested against a real database (jobs_test.cpp).
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/clock.hpp"
#include "core/env.hpp"
#include "jobs/job.hpp"
#include "jobs/settings.hpp"

namespace {

using tiket::core::parse_rfc3339;
using tiket::jobs::next_slot_after;
using tiket::jobs::Schedule;

tiket::core::Timestamp at(const char* text) {
  return parse_rfc3339(text).value();
}

TEST(JobSchedule, AnIntervalSlotIsCountedFromNow) {
  EXPECT_EQ(
      next_slot_after(Schedule::interval(std::chrono::seconds(30)), at("2026-11-30T10:00:00.5Z")),
      at("2026-11-30T10:00:30.5Z"));
}

TEST(JobSchedule, ADailySlotIsInTheBusinessZone) {
  tiket::core::set_business_time_zone("Asia/Jakarta");  // UTC+7, no daylight saving
  const auto purge = Schedule::daily(3, 30);            // 03:30 WIB = 20:30 UTC the day before
  EXPECT_EQ(next_slot_after(purge, at("2026-11-30T10:00:00Z")), at("2026-11-30T20:30:00Z"));
  // Exactly at the slot: the next one is a day later, never the same instant again.
  EXPECT_EQ(next_slot_after(purge, at("2026-11-30T20:30:00Z")), at("2026-12-01T20:30:00Z"));
  EXPECT_EQ(next_slot_after(purge, at("2026-11-30T20:29:59.999Z")), at("2026-11-30T20:30:00Z"));
  // Across a month and a year end.
  EXPECT_EQ(next_slot_after(purge, at("2026-12-31T21:00:00Z")), at("2027-01-01T20:30:00Z"));
}

TEST(JobSchedule, TimesOfDayAreStrict) {
  EXPECT_EQ(tiket::jobs::parse_time_of_day("03:30"), 210);
  EXPECT_EQ(tiket::jobs::parse_time_of_day("00:00"), 0);
  EXPECT_EQ(tiket::jobs::parse_time_of_day("23:59"), 1439);
  for (const char* bad : {"24:00", "3:30", "03:60", "03-30", "0330", " 03:30", "03:3a", ""}) {
    EXPECT_FALSE(tiket::jobs::parse_time_of_day(bad).has_value()) << bad;
  }
}

TEST(JobSettings, TheSleepJobIsRefusedOutsideTests) {
  const tiket::core::Environment env{{"JOBS_TEST_SLEEP_MS", "100"}};
  const tiket::core::EnvReader reader(env);
  EXPECT_THROW(tiket::jobs::read_settings(reader, tiket::core::AppEnv::production),
               tiket::core::ConfigError);
  EXPECT_EQ(tiket::jobs::read_settings(reader, tiket::core::AppEnv::test).test_sleep.count(), 100);
  const tiket::core::Environment bad_time{{"JOBS_PURGE_AT", "25:00"}};
  const tiket::core::EnvReader bad(bad_time);
  EXPECT_THROW(tiket::jobs::read_settings(bad, tiket::core::AppEnv::test),
               tiket::core::ConfigError);
}

}  // namespace
