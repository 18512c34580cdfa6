// Pure catalog rules: search terms, cursors, cache keys, filter checks, status transitions.
#include <gtest/gtest.h>

#include <set>

#include "catalog/concert.hpp"
#include "catalog/listing.hpp"
#include "catalog/service.hpp"
#include "core/cursor.hpp"

using namespace tiket::catalog;
using tiket::core::parse_rfc3339;

TEST(CatalogSearchTerms, EveryWordIsARequiredPrefix) {
  EXPECT_EQ(fulltext_terms("Java  Jazz"), "+java* +jazz*");
  EXPECT_EQ(fulltext_terms("  noah "), "+noah*");
}

TEST(CatalogSearchTerms, BooleanOperatorsCannotBeInjected) {
  EXPECT_EQ(fulltext_terms("+rock -pop"), "+rock* +pop*");
  EXPECT_EQ(fulltext_terms(R"("jazz night" @8 ~band (x) <y> z*)"), "+jazz* +night* +band*");
  EXPECT_EQ(fulltext_terms("rock*pop"), "+rock* +pop*");
  EXPECT_EQ(fulltext_terms("'; DROP TABLE concerts; --"), "+drop* +table* +concerts*");
}

TEST(CatalogSearchTerms, DropsWordsInnoDbDoesNotIndex) {
  // A required term InnoDB never indexed would make every search return nothing.
  EXPECT_EQ(fulltext_terms("The Beatles"), "+beatles*");
  EXPECT_EQ(fulltext_terms("AC DC tribute"), "+tribute*");
  EXPECT_EQ(fulltext_terms("rock and roll"), "+rock* +and* +roll*");  // "and" is indexed
  EXPECT_EQ(fulltext_terms("the of to"), std::nullopt);
  EXPECT_EQ(fulltext_terms("ab"), std::nullopt);
  EXPECT_EQ(fulltext_terms("+-*()"), std::nullopt);
}

TEST(CatalogSearchTerms, KeepsNonAsciiWordsAndCountsCharactersNotBytes) {
  EXPECT_EQ(fulltext_terms("Café Tacvba"), "+café* +tacvba*");
  EXPECT_EQ(fulltext_terms("\xC3\xA9t\xC3\xA9"), "+\xC3\xA9t\xC3\xA9*");  // été: 3 characters
  EXPECT_EQ(fulltext_terms("\xC3\xA9\xC3\xA9"), std::nullopt);            // 2 characters
}

TEST(CatalogSearchTerms, UsesAtMostEightWords) {
  EXPECT_EQ(fulltext_terms("one two three four five six seven eight nine ten"),
            "+one* +two* +three* +four* +five* +six* +seven* +eight*");
}

TEST(CatalogCursor, RoundTripsTheKeyset) {
  const Keyset k{*parse_rfc3339("2026-12-20T12:00:00.123456Z"), 42};
  const auto cursor = encode_cursor(k);
  EXPECT_EQ(
      cursor.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
  const auto back = decode_cursor(cursor);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->starts_at, k.starts_at);
  EXPECT_EQ(back->id, 42);
}

TEST(CatalogCursor, RefusesAnythingItDidNotMake) {
  // "u1799" (another list's cursor), "k123", "k123.0", "k123.-4", "k-5.4", "k12x.4", "k123.4 "
  for (const char* bad : {"", "abc", "%%%", "azEyMy40==", "dTE3OTk", "azEyMw", "azEyMy4w",
                          "azEyMy4tNA", "ay01LjQ", "azEyeC40", "azEyMy40IA"}) {
    EXPECT_FALSE(decode_cursor(bad)) << bad;
  }
  EXPECT_FALSE(decode_cursor(std::string(200, 'A')));
}

// Found by fuzz_cursor: a time past year 9999 was accepted and came out of
// format_sql_datetime as a different instant (the year wraps), and other spellings of the
// same numbers were accepted too.
TEST(CatalogCursor, RefusesTimesPastYear9999AndOtherSpellings) {
  using tiket::core::base64url_encode;
  for (const char* raw :
       {"k9223372036854775807.1", "k253402300800000000.1", "k01.4", "k-0.4", "k1.04", "k+1.4"}) {
    EXPECT_FALSE(decode_cursor(base64url_encode(raw))) << raw;
  }
  const Keyset last{*parse_rfc3339("9999-12-31T23:59:59.999999Z"), 7};
  const auto back = decode_cursor(encode_cursor(last));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->starts_at, last.starts_at);
}

TEST(CatalogCacheKey, EquivalentSpellingsShareAKey) {
  ListQuery a;
  a.filters.city = "Jakarta";
  a.filters.q = "Java, jazz!";
  a.filters.from = parse_rfc3339("2026-12-20T19:00:00+07:00");
  ListQuery b;
  b.filters.city = "JAKARTA";
  b.filters.q = "java jazz";
  b.filters.from = parse_rfc3339("2026-12-20T12:00:00Z");
  EXPECT_EQ(cache_key(a), cache_key(b));
}

TEST(CatalogCacheKey, DifferentQueriesGetDifferentKeys) {
  ListQuery base;
  std::vector<ListQuery> variants(8, base);
  variants[1].filters.city = "Bandung";
  variants[2].filters.q = "jazz";
  variants[3].filters.from = parse_rfc3339("2026-01-01T00:00:00Z");
  variants[4].filters.to = parse_rfc3339("2026-01-01T00:00:00Z");
  variants[5].filters.min_price = 0;
  variants[6].filters.max_price = 0;
  variants[7].limit = 21;
  std::set<std::string> keys;
  for (const auto& v : variants) {
    keys.insert(cache_key(v));
  }
  EXPECT_EQ(keys.size(), variants.size());
  ListQuery paged = base;
  paged.after = Keyset{*parse_rfc3339("2026-01-01T00:00:00Z"), 1};
  EXPECT_NE(cache_key(paged), cache_key(base));
  // A city with separators cannot collide with another filter.
  ListQuery tricky;
  tricky.filters.city = "a\",\"b";
  ListQuery plain;
  plain.filters.city = "a";
  plain.filters.q = "b";
  EXPECT_NE(cache_key(tricky), cache_key(plain));
}

TEST(CatalogFilters, ContradictionsAreReportedTogether) {
  ListFilters f;
  f.min_price = 10;
  f.max_price = 5;
  f.from = parse_rfc3339("2026-02-01T00:00:00Z");
  f.to = parse_rfc3339("2026-01-01T00:00:00Z");
  f.q = "a";
  const auto problems = filter_problems(f);
  ASSERT_EQ(problems.size(), 3U);
  EXPECT_EQ(problems[0].field, "min_price");
  EXPECT_EQ(problems[1].field, "from");
  EXPECT_EQ(problems[2].field, "q");
  f.max_price = 10;
  f.to = f.from;
  f.q = "jazz";
  EXPECT_TRUE(filter_problems(f).empty());
}

TEST(CatalogStatus, OnlyForwardTransitionsAreAllowed) {
  using S = ConcertStatus;
  EXPECT_TRUE(is_allowed_transition(S::draft, S::published));
  EXPECT_TRUE(is_allowed_transition(S::draft, S::cancelled));
  EXPECT_TRUE(is_allowed_transition(S::published, S::cancelled));
  EXPECT_FALSE(is_allowed_transition(S::published, S::draft));
  EXPECT_FALSE(is_allowed_transition(S::cancelled, S::draft));
  EXPECT_FALSE(is_allowed_transition(S::cancelled, S::published));
  EXPECT_FALSE(is_allowed_transition(S::draft, S::draft));
}

TEST(CatalogStatus, FormatsAndParsesEveryStatus) {
  for (const auto status :
       {ConcertStatus::draft, ConcertStatus::published, ConcertStatus::cancelled}) {
    const auto text = to_string(status);
    EXPECT_EQ(parse_concert_status(text), status) << text;
    EXPECT_EQ(parse_stored_concert_status(text), status) << text;
  }
  EXPECT_EQ(to_string(ConcertStatus::published), "published");
}

TEST(CatalogStatus, UnknownTextIsNulloptFromAClientAndADataErrorFromTheDatabase) {
  for (const auto* text : {"", "Published", "archived", "draft "}) {
    EXPECT_EQ(parse_concert_status(text), std::nullopt) << text;
    // Never silently some status: a stored value no code knows is a data-integrity fault.
    EXPECT_THROW(parse_stored_concert_status(text), tiket::core::DataIntegrityError) << text;
  }
}

TEST(CatalogRules, StartsAtMustBeInTheFutureAndLimitWithinQuota) {
  const auto now = *parse_rfc3339("2026-06-01T00:00:00Z");
  EXPECT_TRUE(starts_at_problem(now, now));
  EXPECT_TRUE(starts_at_problem(now - std::chrono::seconds(1), now));
  EXPECT_FALSE(starts_at_problem(now + std::chrono::microseconds(1), now));
  EXPECT_TRUE(ticket_type_problems({"VIP", 1, 10, std::nullopt}).empty());
  EXPECT_TRUE(ticket_type_problems({"VIP", 1, 10, 10}).empty());
  const auto over = ticket_type_problems({"VIP", 1, 10, 11});
  ASSERT_EQ(over.size(), 1U);
  EXPECT_EQ(over[0].field, "per_user_limit");
}

TEST(CatalogJson, ConcertHasTheDocumentedShape) {
  Concert c;
  c.id = 7;
  c.organizer_id = 3;
  c.title = "Java Jazz";
  c.artist = "Ensemble";
  c.venue = "JIExpo";
  c.city = "Jakarta";
  c.starts_at = *parse_rfc3339("2026-12-20T19:00:00+07:00");
  c.status = ConcertStatus::published;
  c.ticket_types.push_back({1, 7, "Festival", 350000, 100, 98, 4});
  c.ticket_types.push_back({2, 7, "VIP", 1250000, 10, 10, std::nullopt});
  c.min_price = 350000;
  const auto j = to_json(c);
  EXPECT_EQ(j["starts_at"], "2026-12-20T12:00:00Z");
  EXPECT_EQ(j["status"], "published");
  EXPECT_EQ(j["min_price"], 350000);
  EXPECT_EQ(j["organizer_id"], 3);
  EXPECT_EQ(j["ticket_types"][0], (nlohmann::json{{"id", 1},
                                                  {"name", "Festival"},
                                                  {"price", 350000},
                                                  {"quota", 100},
                                                  {"available", 98},
                                                  {"per_user_limit", 4}}));
  EXPECT_TRUE(j["ticket_types"][1]["per_user_limit"].is_null());
  c.min_price.reset();
  c.ticket_types.clear();
  EXPECT_TRUE(to_json(c)["min_price"].is_null());
  EXPECT_TRUE(to_json(c)["ticket_types"].is_array());
}
