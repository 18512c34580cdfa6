#include "app/seed_load.hpp"

#include <cppconn/datatype.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <limits>
#include <map>
#include <random>
#include <stdexcept>
#include <string_view>

#include "app/app.hpp"
#include "booking/booking.hpp"
#include "catalog/concert.hpp"
#include "core/clock.hpp"
#include "core/logging.hpp"
#include "db/audit.hpp"
#include "db/migrations.hpp"
#include "db/transaction.hpp"
#include "identity/password.hpp"

namespace tiket::app {

namespace {

using namespace std::chrono_literals;
using core::Timestamp;

constexpr std::int64_t kMaxBookings = 20'000'000;
constexpr std::int64_t kMaxCustomers = 5'000'000;
constexpr int kMaxMonths = 120;
constexpr std::size_t kMaxConcerts = 1000;
// A booking is for a concert that starts within this long after it is made.
constexpr auto kBookingHorizon = std::chrono::days(120);
// Concerts keep starting this long after the window ends (bookings made now are for them).
constexpr auto kConcertsAfterWindow = std::chrono::days(60);

// ------------------------------------------------------------------ arguments

std::int64_t integer_flag(const std::string& flag, const std::string& text, std::int64_t min,
                          std::int64_t max) {
  std::int64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || value < min || value > max) {
    throw std::invalid_argument(fmt::format(
        "seed-load: {} must be a whole number in {}..{}, got '{}'", flag, min, max, text));
  }
  return value;
}

// ------------------------------------------------------------------ randomness

// Deterministic for a seed on every platform: only the engine is used, never a std::
// distribution (their algorithms differ between standard libraries).
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : engine_() % n; }
  double unit() { return static_cast<double>(engine_() >> 11U) * 0x1.0p-53; }
  std::int64_t between(std::int64_t lo, std::int64_t hi) {  // inclusive
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo + 1)));
  }

 private:
  std::mt19937_64 engine_;
};

// ------------------------------------------------------------------ multi-row INSERT

// One parameter of a row: a number, a text or NULL. (A plain struct: GCC 12 at -O2 warns about
// std::variant<..., std::string> moves that are fine.)
struct Param {
  enum class Kind : std::uint8_t { number, text, null } kind = Kind::null;
  std::int64_t number = 0;
  std::string text;

  Param(std::int64_t n) : kind(Kind::number), number(n) {}  // NOLINT(google-explicit-constructor)
  Param(std::string t)
      : kind(Kind::text), text(std::move(t)) {}  // NOLINT(google-explicit-constructor)
  Param(std::nullptr_t) {}                       // NOLINT(google-explicit-constructor)
};

// Rows for one table, sent as `INSERT ... VALUES (?, ...), (?, ...), ...` of `batch` rows per
// prepared statement. A remainder goes out in power-of-two pieces (512 + 16 + 4 + ...), so a
// table needs at most log2(batch) + 1 statement texts whatever the row counts: the
// connection's statement cache stays small.
class BulkInsert {
 public:
  BulkInsert(db::Connection& conn, std::string head, std::size_t columns, std::size_t batch)
      : conn_(conn), head_(std::move(head)), columns_(columns), batch_(batch) {
    values_.reserve(columns_ * batch_);
  }

  void add(Param value) {
    values_.push_back(std::move(value));
    if (values_.size() == columns_ * batch_) {
      send(0, batch_);
      values_.clear();
    }
  }

  // Sends what is left; returns the number of rows written so far.
  std::int64_t finish() {
    std::size_t rows = values_.size() / columns_;
    std::size_t offset = 0;
    for (std::size_t piece = std::bit_floor(std::max<std::size_t>(rows, 1)); rows > 0; piece /= 2) {
      if (piece <= rows) {
        send(offset, piece);
        offset += piece;
        rows -= piece;
      }
    }
    values_.clear();
    return written_;
  }

 private:
  void send(std::size_t first_row, std::size_t rows) {
    std::string row = "(?";
    for (std::size_t c = 1; c < columns_; ++c) {
      row += ", ?";
    }
    row += ")";
    std::string sql = head_;
    sql.reserve(head_.size() + rows * (row.size() + 2));
    for (std::size_t r = 0; r < rows; ++r) {
      sql += r == 0 ? "" : ", ";
      sql += row;
    }
    auto& stmt = conn_.prepare(sql);
    const std::size_t base = first_row * columns_;
    for (std::size_t i = 0; i < rows * columns_; ++i) {
      const auto index = static_cast<unsigned>(i + 1);
      const Param& value = values_[base + i];
      switch (value.kind) {
        case Param::Kind::number:
          stmt.setInt64(index, value.number);
          break;
        case Param::Kind::text:
          stmt.setString(index, value.text);
          break;
        case Param::Kind::null:
          stmt.setNull(index, sql::DataType::VARCHAR);
          break;
      }
    }
    stmt.executeUpdate();
    written_ += static_cast<std::int64_t>(rows);
  }

  db::Connection& conn_;
  std::string head_;
  std::size_t columns_;
  std::size_t batch_;
  std::vector<Param> values_;
  std::int64_t written_ = 0;
};

// ------------------------------------------------------------------ the model

struct LoadType {
  std::int64_t id = 0;
  std::int64_t price = 0;
  std::int64_t per_user_limit = 0;  // 0: none
};

struct LoadConcert {
  std::int64_t id = 0;
  Timestamp starts_at;
  std::vector<LoadType> types;
};

using booking::Status;

struct Item {
  std::int64_t type_id = 0;
  std::int64_t quantity = 0;
  std::int64_t unit_price = 0;
};

struct Booking {
  Timestamp created;
  Timestamp settled;  // paid only
  core::Date business_day;
  std::string day;  // business_day as YYYY-MM-DD
  std::uint32_t number = 0;
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::int64_t concert_id = 0;
  Status status = Status::pending_payment;
  std::array<Item, 3> items{};
  std::size_t item_count = 0;
  std::int64_t total = 0;
};

std::string sql_time(Timestamp t) {
  return core::format_sql_datetime(t);
}

// The local (BUSINESS_TZ) midnight at or before `t`, in UTC.
Timestamp local_midnight_before(Timestamp t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(t));
  std::tm local{};
  localtime_r(&secs, &local);
  const auto since = std::chrono::hours(local.tm_hour) + std::chrono::minutes(local.tm_min) +
                     std::chrono::seconds(local.tm_sec);
  return std::chrono::floor<std::chrono::seconds>(t) - since;
}

// N creation times in [start, until), sorted: uniform, with 2 % moved to within two minutes of
// a local midnight, and the last max(1, N/500) inside the hold window before `until` (pending).
std::vector<Timestamp> creation_times(Random& rng, std::int64_t n, Timestamp start, Timestamp until,
                                      std::chrono::minutes hold) {
  std::vector<Timestamp> times;
  times.reserve(static_cast<std::size_t>(n));
  const std::int64_t pending = std::max<std::int64_t>(1, n / 500);
  const auto span = std::chrono::duration_cast<std::chrono::microseconds>(until - start).count();
  const auto hold_us = std::chrono::duration_cast<std::chrono::microseconds>(hold).count();
  // Plain bookings end a second before the hold window, so none of them is pending.
  const auto closed_span = std::max<std::int64_t>(1, span - hold_us - 1'000'000);
  for (std::int64_t i = 0; i < n - pending; ++i) {
    Timestamp t = start + std::chrono::microseconds(static_cast<std::int64_t>(
                              rng.below(static_cast<std::uint64_t>(closed_span))));
    if (rng.unit() < 0.02) {
      const Timestamp midnight =
          local_midnight_before(t) + std::chrono::days(static_cast<int>(rng.below(2)));
      const Timestamp moved =
          midnight + std::chrono::microseconds(rng.between(-120'000'000, 119'999'999));
      if (moved >= start && moved < start + std::chrono::microseconds(closed_span)) {
        t = moved;
      }
    }
    times.push_back(t);
  }
  for (std::int64_t i = std::max<std::int64_t>(0, n - pending); i < n; ++i) {
    times.push_back(until - std::chrono::microseconds(
                                1 + static_cast<std::int64_t>(rng.below(
                                        static_cast<std::uint64_t>(hold_us - 1'000'000)))));
  }
  std::sort(times.begin(), times.end());
  return times;
}

int next_run(db::Connection& conn) {
  auto& stmt = conn.prepare(
      "SELECT email FROM users WHERE role = 'organizer' AND email LIKE 'organizer@load-%'");
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  int last = 0;
  while (rs->next()) {
    const std::string email = rs->getString(1);
    constexpr std::string_view kPrefix = "organizer@load-";
    const auto dot = email.find('.', kPrefix.size());
    int run = 0;
    if (dot != std::string::npos) {
      const auto [ptr, ec] =
          std::from_chars(email.data() + kPrefix.size(), email.data() + dot, run);
      if (ec == std::errc() && ptr == email.data() + dot) {
        last = std::max(last, run);
      }
    }
  }
  return last + 1;
}

std::vector<std::int64_t> ids_of(db::Connection& conn, const std::string& sql,
                                 const std::string& param) {
  auto& stmt = conn.prepare(sql);
  stmt.setString(1, param);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<std::int64_t> ids;
  while (rs->next()) {
    ids.push_back(rs->getInt64(1));
  }
  return ids;
}

constexpr std::array<std::string_view, 16> kFirstNames = {
    "Ayu",   "Budi", "Citra",   "Dewi",    "Eko",  "Fajar", "Gita",  "Hadi",
    "Indah", "Joko", "Kartika", "Lestari", "Made", "Nanda", "Putri", "Rizky"};
constexpr std::array<std::string_view, 12> kLastNames = {
    "Santoso", "Wijaya",   "Saputra", "Pratama", "Hidayat", "Nugroho",
    "Siregar", "Setiawan", "Kusuma",  "Halim",   "Wibowo",  "Lubis"};

// The organizer and the customers of this run; returns the customers' ids.
std::vector<std::int64_t> insert_users(db::Pool& pool, int run, std::int64_t customers,
                                       const std::string& password_hash, Timestamp created,
                                       std::size_t batch, std::int64_t& organizer_id) {
  const std::string domain = fmt::format("load-{}.tiket.test", run);
  return db::transaction(pool, [&](db::Connection& conn) {
    BulkInsert users(
        conn, "INSERT INTO users (email, name, password_hash, role, created_at) VALUES ", 5, batch);
    const std::string when = sql_time(created);
    users.add("organizer@" + domain);
    users.add(fmt::format("Load Organizer {}", run));
    users.add(password_hash);
    users.add(std::string("organizer"));
    users.add(when);
    for (std::int64_t i = 1; i <= customers; ++i) {
      users.add(fmt::format("customer-{:06}@{}", i, domain));
      users.add(fmt::format("{} {}", kFirstNames[static_cast<std::size_t>(i) % kFirstNames.size()],
                            kLastNames[static_cast<std::size_t>(i / 16) % kLastNames.size()]));
      users.add(password_hash);
      users.add(std::string("customer"));
      users.add(when);
    }
    users.finish();
    organizer_id =
        ids_of(conn, "SELECT id FROM users WHERE email = ?", "organizer@" + domain).at(0);
    auto ids =
        ids_of(conn, "SELECT id FROM users WHERE role = 'customer' AND email LIKE ? ORDER BY id",
               "customer-%@" + domain);
    if (static_cast<std::int64_t>(ids.size()) != customers) {
      throw std::runtime_error("seed-load: the customers just inserted do not read back");
    }
    return ids;
  });
}

// Concerts modelled on the demo catalogue, `count` of them, cycling through its concerts (so
// through every city), starting evenly from two weeks into the window to 60 days past its end.
std::vector<LoadConcert> insert_concerts(db::Pool& pool, const DemoCatalog& demo, std::size_t count,
                                         std::int64_t organizer_id, Timestamp start,
                                         Timestamp until, std::size_t batch) {
  const Timestamp first = start + std::chrono::days(14);
  const auto span =
      std::chrono::duration_cast<std::chrono::microseconds>(until + kConcertsAfterWindow - first);
  std::vector<LoadConcert> concerts(count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto offset =
        span * (2 * static_cast<std::int64_t>(i) + 1) / (2 * static_cast<std::int64_t>(count));
    concerts[i].starts_at = std::chrono::floor<std::chrono::days>(first + offset) +
                            std::chrono::hours(demo.start_hour_utc);
  }
  return db::transaction(pool, [&](db::Connection& conn) {
    const std::string created = sql_time(start - std::chrono::days(30));
    BulkInsert rows(conn,
                    "INSERT INTO concerts (organizer_id, title, artist, venue, city, starts_at, "
                    "status, min_price, created_at) VALUES ",
                    9, batch);
    for (std::size_t i = 0; i < count; ++i) {
      const auto& model = demo.concerts[i % demo.concerts.size()];
      std::int64_t min_price = model.ticket_types.front().price;
      for (const auto& t : model.ticket_types) {
        min_price = std::min(min_price, t.price);
      }
      rows.add(organizer_id);
      rows.add(fmt::format("{} #{}", model.title, i / demo.concerts.size() + 1)
                   .substr(0, catalog::kMaxTitle));
      rows.add(model.artist);
      rows.add(model.venue);
      rows.add(model.city);
      rows.add(sql_time(concerts[i].starts_at));
      rows.add(std::string("published"));
      rows.add(min_price);
      rows.add(created);
    }
    rows.finish();
    auto& select = conn.prepare("SELECT id FROM concerts WHERE organizer_id = ? ORDER BY id");
    select.setInt64(1, organizer_id);
    std::unique_ptr<sql::ResultSet> rs(select.executeQuery());
    for (auto& concert : concerts) {
      if (!rs->next()) {
        throw std::runtime_error("seed-load: the concerts just inserted do not read back");
      }
      concert.id = rs->getInt64(1);
    }
    BulkInsert types(conn,
                     "INSERT INTO ticket_types (concert_id, name, price, quota, available, "
                     "per_user_limit, created_at) VALUES ",
                     7, batch);
    for (std::size_t i = 0; i < count; ++i) {
      for (const auto& t : demo.concerts[i % demo.concerts.size()].ticket_types) {
        types.add(concerts[i].id);
        types.add(t.name);
        types.add(t.price);
        types.add(std::int64_t{0});  // quota and available grow with the bookings below
        types.add(std::int64_t{0});
        if (t.per_user_limit) {
          types.add(*t.per_user_limit);
        } else {
          types.add(nullptr);
        }
        types.add(created);
      }
    }
    types.finish();
    std::map<std::int64_t, LoadConcert*> by_id;
    for (auto& c : concerts) {
      by_id[c.id] = &c;
      c.types.clear();
    }
    auto& read = conn.prepare(
        "SELECT t.id, t.concert_id, t.price, COALESCE(t.per_user_limit, 0) FROM ticket_types t "
        "JOIN concerts c ON c.id = t.concert_id WHERE c.organizer_id = ? ORDER BY t.id");
    read.setInt64(1, organizer_id);
    std::unique_ptr<sql::ResultSet> trs(read.executeQuery());
    while (trs->next()) {
      by_id.at(trs->getInt64(2))
          ->types.push_back({trs->getInt64(1), trs->getInt64(3), trs->getInt64(4)});
    }
    return concerts;
  });
}

// Everything about one booking but its number and id, which the transaction assigns.
Booking make_booking(Random& rng, Timestamp created, const std::vector<LoadConcert>& concerts,
                     const std::vector<std::int64_t>& customers, Timestamp pending_after,
                     std::chrono::minutes hold) {
  Booking b;
  b.created = created;
  b.business_day = core::business_day(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(created));
  b.day = core::format_iso(b.business_day);
  // Some customers buy far more than others: index = M * u^1.5.
  b.user_id = customers[std::min(
      customers.size() - 1,
      static_cast<std::size_t>(static_cast<double>(customers.size()) * std::pow(rng.unit(), 1.5)))];
  // A concert that starts within the booking horizon (the soonest one after, if none does).
  const auto after =
      std::upper_bound(concerts.begin(), concerts.end(), created,
                       [](Timestamp t, const LoadConcert& c) { return t < c.starts_at; });
  const auto horizon =
      std::upper_bound(after, concerts.end(), created + kBookingHorizon,
                       [](Timestamp t, const LoadConcert& c) { return t < c.starts_at; });
  const auto choices = std::max<std::ptrdiff_t>(1, horizon - after);
  const auto& concert =
      after == concerts.end()
          ? concerts.back()
          : *(after + static_cast<std::ptrdiff_t>(rng.below(static_cast<std::uint64_t>(choices))));
  b.concert_id = concert.id;

  const double r = rng.unit();
  const std::size_t wanted = r < 0.75 ? 1 : (r < 0.97 ? 2 : 3);
  b.item_count = std::min(wanted, concert.types.size());
  const std::size_t first = rng.below(concert.types.size());
  for (std::size_t i = 0; i < b.item_count; ++i) {
    const auto& type = concert.types[(first + i) % concert.types.size()];
    const double q = rng.unit();
    std::int64_t quantity = q < 0.30 ? 1 : (q < 0.70 ? 2 : (q < 0.85 ? 3 : 4));
    if (type.per_user_limit > 0) {
      quantity = std::min(quantity, type.per_user_limit);
    }
    b.items[i] = {type.id, quantity, type.price};
    b.total += quantity * type.price;
  }

  if (created > pending_after) {
    b.status = Status::pending_payment;
  } else {
    const double s = rng.unit();
    b.status = s < 0.72 ? Status::paid : (s < 0.90 ? Status::expired : Status::cancelled);
  }
  if (b.status == Status::paid) {
    const auto window = std::chrono::duration_cast<std::chrono::seconds>(hold).count();
    b.settled =
        created + std::chrono::seconds(rng.between(30, std::max<std::int64_t>(31, window - 30)));
  }
  return b;
}

bool holds_seats(Status s) {
  return s == Status::paid || s == Status::pending_payment;
}

struct Counts {
  std::int64_t items = 0;
  std::int64_t payments = 0;
};

// One transaction: the ticket types' quotas grow by the seats these bookings hold (so
// available = quota - held - sold stays true at every commit), the day counters advance, and
// the bookings, their items and the paid ones' payments are inserted. The lock order is the
// booking service's: ticket types (ascending id), then the day counters.
Counts write_chunk(db::Pool& pool, std::vector<Booking>& chunk, std::size_t batch,
                   std::chrono::minutes hold) {
  std::map<std::int64_t, std::int64_t> seats;  // ticket type -> seats held or sold
  for (const auto& b : chunk) {
    if (holds_seats(b.status)) {
      for (std::size_t i = 0; i < b.item_count; ++i) {
        seats[b.items[i].type_id] += b.items[i].quantity;
      }
    }
  }
  return db::transaction(pool, [&](db::Connection& conn) {
    for (const auto& [type_id, count] : seats) {
      auto& grow = conn.prepare("UPDATE ticket_types SET quota = quota + ? WHERE id = ?");
      grow.setInt64(1, count);
      grow.setInt64(2, type_id);
      grow.executeUpdate();
    }
    // The chunk is sorted by creation time, so each day's bookings are one run.
    for (std::size_t i = 0; i < chunk.size();) {
      std::size_t j = i;
      while (j < chunk.size() && chunk[j].day == chunk[i].day) {
        ++j;
      }
      auto& counter = conn.prepare(
          "INSERT INTO booking_code_counters (business_day, last_number) "
          "VALUES (?, LAST_INSERT_ID(?)) "
          "ON DUPLICATE KEY UPDATE last_number = LAST_INSERT_ID(last_number + ?)");
      counter.setString(1, chunk[i].day);
      counter.setInt64(2, static_cast<std::int64_t>(j - i));
      counter.setInt64(3, static_cast<std::int64_t>(j - i));
      counter.executeUpdate();
      const auto last = static_cast<std::uint32_t>(conn.last_insert_id());
      for (std::size_t k = i; k < j; ++k) {
        chunk[k].number = last - static_cast<std::uint32_t>(j - k) + 1;
      }
      i = j;
    }
    const auto hold_us = std::chrono::duration_cast<std::chrono::microseconds>(hold);
    BulkInsert items(conn,
                     "INSERT INTO booking_items (booking_id, ticket_type_id, quantity, "
                     "unit_price) VALUES ",
                     4, batch);
    BulkInsert payments(conn,
                        "INSERT INTO payments (booking_id, attempt, order_id, status, "
                        "gross_amount, gateway_status, transaction_id, expires_at, settled_at, "
                        "created_at) VALUES ",
                        10, batch);
    for (std::size_t from = 0; from < chunk.size(); from += batch) {
      const std::size_t to = std::min(chunk.size(), from + batch);
      BulkInsert bookings(conn,
                          "INSERT INTO bookings (code, business_day, day_number, user_id, "
                          "concert_id, status, total_amount, expires_at, created_at) VALUES ",
                          9, batch);
      for (std::size_t k = from; k < to; ++k) {
        const auto& b = chunk[k];
        bookings.add(booking::format_code(b.business_day, b.number));
        bookings.add(b.day);
        bookings.add(static_cast<std::int64_t>(b.number));
        bookings.add(b.user_id);
        bookings.add(b.concert_id);
        bookings.add(std::string(booking::to_string(b.status)));
        bookings.add(b.total);
        bookings.add(sql_time(b.created + hold_us));
        bookings.add(sql_time(b.created));
      }
      bookings.finish();
      // The ids, read back by the unique (business_day, day_number): auto-increment values of
      // one multi-row INSERT need not be consecutive (innodb_autoinc_lock_mode = 2).
      for (std::size_t i = from; i < to;) {
        std::size_t j = i;
        while (j < to && chunk[j].day == chunk[i].day) {
          ++j;
        }
        auto& read = conn.prepare(
            "SELECT id, day_number FROM bookings WHERE business_day = ? "
            "AND day_number BETWEEN ? AND ?");
        read.setString(1, chunk[i].day);
        read.setInt64(2, chunk[i].number);
        read.setInt64(3, chunk[j - 1].number);
        std::unique_ptr<sql::ResultSet> rs(read.executeQuery());
        std::size_t found = 0;
        while (rs->next()) {
          const auto number = static_cast<std::uint32_t>(rs->getInt64(2));
          chunk[i + (number - chunk[i].number)].id = rs->getInt64(1);
          ++found;
        }
        if (found != j - i) {
          throw std::runtime_error("seed-load: the bookings just inserted do not read back");
        }
        i = j;
      }
      for (std::size_t k = from; k < to; ++k) {
        const auto& b = chunk[k];
        for (std::size_t i = 0; i < b.item_count; ++i) {
          items.add(b.id);
          items.add(b.items[i].type_id);
          items.add(b.items[i].quantity);
          items.add(b.items[i].unit_price);
        }
        if (b.status == Status::paid) {
          const std::string code = booking::format_code(b.business_day, b.number);
          payments.add(b.id);
          payments.add(std::int64_t{1});
          payments.add(code + "-1");
          payments.add(std::string("settled"));
          payments.add(b.total);
          payments.add(std::string("settlement"));
          payments.add("seed-" + code);
          payments.add(sql_time(b.created + hold_us));
          payments.add(sql_time(b.settled));
          payments.add(sql_time(b.created + 5s));
        }
      }
    }
    return Counts{items.finish(), payments.finish()};
  });
}

}  // namespace

SeedLoadOptions parse_seed_load_args(const std::vector<std::string>& args) {
  SeedLoadOptions options;
  bool have_bookings = false;
  // args[0] is the command itself.
  for (std::size_t i = 1; i < args.size(); i += 2) {
    const std::string& flag = args[i];
    if (i + 1 >= args.size()) {
      throw std::invalid_argument("seed-load: " + flag + " needs a value");
    }
    const std::string& value = args[i + 1];
    if (flag == "--bookings") {
      options.bookings = integer_flag(flag, value, 1, kMaxBookings);
      have_bookings = true;
    } else if (flag == "--months") {
      options.months = static_cast<int>(integer_flag(flag, value, 1, kMaxMonths));
    } else if (flag == "--customers") {
      options.customers = integer_flag(flag, value, 1, kMaxCustomers);
    } else if (flag == "--seed") {
      options.seed = static_cast<std::uint64_t>(
          integer_flag(flag, value, 0, std::numeric_limits<std::int64_t>::max()));
    } else if (flag == "--until") {
      options.until = core::parse_rfc3339(value);
      if (!options.until) {
        throw std::invalid_argument("seed-load: --until must be an RFC 3339 date-time, got '" +
                                    value + "'");
      }
    } else {
      throw std::invalid_argument("seed-load: unknown flag '" + flag + "'");
    }
  }
  if (!have_bookings) {
    throw std::invalid_argument(
        "usage: tiket-api seed-load --bookings N [--months 24] [--customers M] [--seed S] "
        "[--until RFC3339]");
  }
  if (options.customers == 0) {
    options.customers = std::max<std::int64_t>(10, options.bookings / 20);
  }
  return options;
}

SeedLoadResult seed_load(db::Pool& pool, const DemoCatalog& demo, const SeedLoadOptions& options,
                         const std::string& password_hash, std::chrono::minutes hold) {
  if (demo.concerts.empty()) {
    throw std::invalid_argument("seed-load: the demo catalogue has no concerts");
  }
  const auto started = std::chrono::steady_clock::now();
  const Timestamp until = options.until.value_or(std::chrono::floor<std::chrono::seconds>(
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now())));
  const Timestamp start = until - std::chrono::duration_cast<std::chrono::microseconds>(
                                      std::chrono::months(options.months));
  SeedLoadResult result;
  Random rng(options.seed);

  result.run = db::with_connection(pool, [](db::Connection& conn) { return next_run(conn); });
  std::int64_t organizer_id = 0;
  const auto customers =
      insert_users(pool, result.run, options.customers, password_hash, start - std::chrono::days(1),
                   options.batch_rows, organizer_id);
  result.customers = static_cast<std::int64_t>(customers.size());

  const std::size_t concert_count = std::clamp<std::size_t>(
      static_cast<std::size_t>(options.bookings / 2000), 2 * demo.concerts.size(),
      std::max(kMaxConcerts, 2 * demo.concerts.size()));
  const auto concerts =
      insert_concerts(pool, demo, concert_count, organizer_id, start, until, options.batch_rows);
  result.concerts = static_cast<std::int64_t>(concerts.size());
  for (const auto& c : concerts) {
    result.ticket_types += static_cast<std::int64_t>(c.types.size());
  }
  core::log::info(
      "seed-load: users and concerts written",
      {{"run", result.run}, {"customers", result.customers}, {"concerts", result.concerts}});

  const auto times = creation_times(rng, options.bookings, start, until, hold);
  const Timestamp pending_after =
      until - std::chrono::duration_cast<std::chrono::microseconds>(hold);
  std::vector<Booking> chunk;
  chunk.reserve(options.transaction_bookings);
  auto last_log = std::chrono::steady_clock::now();
  for (std::size_t from = 0; from < times.size(); from += options.transaction_bookings) {
    const std::size_t to = std::min(times.size(), from + options.transaction_bookings);
    chunk.clear();
    for (std::size_t i = from; i < to; ++i) {
      chunk.push_back(make_booking(rng, times[i], concerts, customers, pending_after, hold));
      switch (chunk.back().status) {
        case Status::paid:
          ++result.paid;
          break;
        case Status::expired:
          ++result.expired;
          break;
        case Status::cancelled:
          ++result.cancelled;
          break;
        case Status::pending_payment:
          ++result.pending;
          break;
      }
    }
    const Counts counts = write_chunk(pool, chunk, options.batch_rows, hold);
    result.bookings += static_cast<std::int64_t>(chunk.size());
    result.items += counts.items;
    result.payments += counts.payments;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_log > 10s || to == times.size()) {
      last_log = now;
      const double secs = std::chrono::duration<double>(now - started).count();
      core::log::info("seed-load: progress",
                      {{"bookings", result.bookings},
                       {"of", options.bookings},
                       {"bookings_per_s",
                        static_cast<std::int64_t>(static_cast<double>(result.bookings) / secs)}});
    }
  }

  // Spare seats: two ticket types in three keep 5-30 % of their quota on sale; the rest are
  // sold out (a type nobody bought gets a small quota, so none has quota 0).
  Random spare_rng(options.seed ^ 0x9e3779b97f4a7c15ULL);
  db::transaction(pool, [&](db::Connection& conn) {
    for (const auto& c : concerts) {
      for (const auto& t : c.types) {
        const bool sold_out = spare_rng.below(3) == 0;
        const std::int64_t spare = sold_out ? 0 : spare_rng.between(50, 300);
        auto& stmt = conn.prepare(
            "UPDATE ticket_types SET quota = quota + GREATEST(?, IF(quota = 0, 10, 0)), "
            "available = available + GREATEST(?, IF(quota = 0, 10, 0)) WHERE id = ?");
        stmt.setInt64(1, spare);
        stmt.setInt64(2, spare);
        stmt.setInt64(3, t.id);
        stmt.executeUpdate();
      }
    }
    db::write_audit(conn, {std::nullopt,
                           "seed.load",
                           "seed_load",
                           std::to_string(result.run),
                           "cli",
                           {{"bookings", result.bookings},
                            {"customers", result.customers},
                            {"concerts", result.concerts},
                            {"months", options.months},
                            {"seed", options.seed},
                            {"until", core::format_rfc3339(until)}}});
  });
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

int seed_load_command(const Settings& settings, sql::Driver& driver,
                      const std::vector<std::string>& args) {
  if (settings.core.app_env == core::AppEnv::production) {
    std::cerr << "tiket-api: seed-load is for development and test only\n";
    return 2;
  }
  // Flags and the catalogue are checked before anything is written.
  const auto options = parse_seed_load_args(args);
  const auto demo = load_demo_catalog(settings.demo_catalog_file);
  const char* env = std::getenv("DEMO_PASSWORD");  // NOLINT(concurrency-mt-unsafe): no threads yet
  const std::string password = env != nullptr && *env != '\0' ? env : "tiket-demo";
  // One argon2id hash for every customer: hashing a million passwords would take hours.
  identity::PasswordHasher hasher;
  const std::string hash = hasher.hash(password);

  auto pool_opts = pool_options(settings.core);
  pool_opts.size = 2;
  pool_opts.read_timeout = std::chrono::seconds(600);  // a large transaction's commit
  db::Pool pool(driver, pool_opts);
  migrate_with_retry(pool, db::load_migrations(settings.core.migrations_dir),
                     std::chrono::seconds(30));
  const auto r = seed_load(pool, demo, options, hash, settings.booking.hold);
  const std::int64_t rows =
      r.customers + 1 + r.concerts + r.ticket_types + r.bookings + r.items + r.payments;
  std::cout << fmt::format(
      "seed-load: run {}, seed {}: {} bookings (paid {}, expired {}, cancelled {}, pending {}), "
      "{} items, {} payments, {} customers, {} concerts, {} ticket types, {} months\n",
      r.run, options.seed, r.bookings, r.paid, r.expired, r.cancelled, r.pending, r.items,
      r.payments, r.customers, r.concerts, r.ticket_types, options.months);
  std::cout << fmt::format("seed-load: {} rows in {:.1f} s: {:.0f} bookings/s, {:.0f} rows/s\n",
                           rows, r.seconds, static_cast<double>(r.bookings) / r.seconds,
                           static_cast<double>(rows) / r.seconds);
  return 0;
}

}  // namespace tiket::app
