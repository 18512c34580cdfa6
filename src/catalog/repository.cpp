#include "catalog/repository.hpp"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <stdexcept>

#include "db/errors.hpp"

namespace tiket::catalog {

namespace {

// starts_at is DATETIME(6) in UTC; read with its microseconds so that the keyset is exact. The
// alias must not be "starts_at": ORDER BY starts_at would then sort by this string instead of
// the column, and no index could deliver that order (a filesort on every page).
// Qualified with the table name, so the same list also serves the join in find_with_ticket_types
// (the result labels stay "id", "title", ...).
constexpr const char* kConcertColumns =
    "concerts.id, concerts.organizer_id, concerts.title, concerts.artist, concerts.venue, "
    "concerts.city, DATE_FORMAT(concerts.starts_at, '%Y-%m-%d %H:%i:%s.%f') AS starts_at_utc, "
    "concerts.status, concerts.min_price";

// Labelled type_* so that the same list serves the LEFT JOIN with a concert, where no label may
// repeat one of the concert's. All NULL when a joined concert has no ticket type.
constexpr const char* kTicketTypeColumns =
    "ticket_types.id AS type_id, ticket_types.concert_id AS type_concert_id, "
    "ticket_types.name AS type_name, ticket_types.price AS type_price, "
    "ticket_types.quota AS type_quota, ticket_types.available AS type_available, "
    "ticket_types.per_user_limit AS type_per_user_limit";

std::optional<std::int64_t> nullable_int(sql::ResultSet& rs, const char* column) {
  if (rs.isNull(column)) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(rs.getInt64(column));
}

Concert read_concert(sql::ResultSet& rs) {
  Concert c;
  c.id = static_cast<std::int64_t>(rs.getInt64("id"));
  c.organizer_id = static_cast<std::int64_t>(rs.getInt64("organizer_id"));
  c.title = rs.getString("title");
  c.artist = rs.getString("artist");
  c.venue = rs.getString("venue");
  c.city = rs.getString("city");
  const auto starts_at = core::parse_sql_datetime(std::string(rs.getString("starts_at_utc")));
  if (!starts_at) {
    throw std::runtime_error("concerts.starts_at has an unexpected format");
  }
  c.starts_at = *starts_at;
  c.status = parse_stored_concert_status(std::string(rs.getString("status")));
  c.min_price = nullable_int(rs, "min_price");
  return c;
}

TicketType read_ticket_type(sql::ResultSet& rs) {
  TicketType t;
  t.id = static_cast<std::int64_t>(rs.getInt64("type_id"));
  t.concert_id = static_cast<std::int64_t>(rs.getInt64("type_concert_id"));
  t.name = rs.getString("type_name");
  t.price = static_cast<std::int64_t>(rs.getInt64("type_price"));
  t.quota = static_cast<std::int64_t>(rs.getInt64("type_quota"));
  t.available = static_cast<std::int64_t>(rs.getInt64("type_available"));
  t.per_user_limit = nullable_int(rs, "type_per_user_limit");
  return t;
}

std::int64_t single_int(sql::PreparedStatement& stmt) {
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  rs->next();
  return static_cast<std::int64_t>(rs->getInt64(1));
}

}  // namespace

std::optional<Concert> CatalogRepository::find(db::Connection& conn, std::int64_t id,
                                               bool for_update) const {
  auto& stmt = conn.prepare(std::string("SELECT ") + kConcertColumns +
                            " FROM concerts WHERE id = ?" + (for_update ? " FOR UPDATE" : ""));
  stmt.setInt64(1, id);
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) {
    return std::nullopt;
  }
  return read_concert(*rs);
}

std::optional<Concert> CatalogRepository::find_with_ticket_types(db::Connection& conn,
                                                                 std::int64_t id) const {
  // One round trip: a row per ticket type, each carrying the concert's columns too (a concert
  // has a handful of types, so the repeated columns cost less than a second statement).
  auto& stmt = conn.prepare(std::string("SELECT ") + kConcertColumns + ", " + kTicketTypeColumns +
                            " FROM concerts LEFT JOIN ticket_types"
                            " ON ticket_types.concert_id = concerts.id"
                            " WHERE concerts.id = ? ORDER BY ticket_types.id");
  stmt.setInt64(1, id);
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) {
    return std::nullopt;
  }
  auto concert = read_concert(*rs);
  do {
    if (!rs->isNull("type_id")) {
      concert.ticket_types.push_back(read_ticket_type(*rs));
    }
  } while (rs->next());
  return concert;
}

std::vector<TicketType> CatalogRepository::ticket_types_of(
    db::Connection& conn, const std::vector<std::int64_t>& concert_ids) const {
  std::vector<TicketType> out;
  db::query_in_chunks(conn,
                      std::string("SELECT ") + kTicketTypeColumns +
                          " FROM ticket_types WHERE ticket_types.concert_id IN (",
                      ") ORDER BY ticket_types.concert_id, ticket_types.id", concert_ids,
                      [&](sql::ResultSet& rs) { out.push_back(read_ticket_type(rs)); });
  return out;
}

std::vector<Concert> CatalogRepository::list_published(db::Connection& conn,
                                                       const ListFilters& filters,
                                                       const std::optional<std::string>& fulltext,
                                                       const std::optional<Keyset>& after,
                                                       unsigned limit) const {
  // The text is assembled from constant fragments only (one per filter present); every value
  // is a parameter. At most 2^7 distinct texts, each prepared once per connection.
  std::string sql =
      std::string("SELECT ") + kConcertColumns + " FROM concerts WHERE status = 'published'";
  if (filters.city) {
    sql += " AND city = ?";
  }
  if (fulltext) {
    sql += " AND MATCH(title, artist) AGAINST (? IN BOOLEAN MODE)";
  }
  if (filters.from) {
    sql += " AND starts_at >= CAST(? AS DATETIME(6))";
  }
  if (filters.to) {
    sql += " AND starts_at <= CAST(? AS DATETIME(6))";
  }
  if (filters.min_price) {
    sql += " AND min_price >= ?";
  }
  if (filters.max_price) {
    sql += " AND min_price <= ?";
  }
  if (after) {
    sql +=
        " AND (starts_at > CAST(? AS DATETIME(6))"
        " OR (starts_at = CAST(? AS DATETIME(6)) AND id > ?))";
  }
  sql += " ORDER BY starts_at, id LIMIT ?";

  auto& stmt = conn.prepare(sql);
  unsigned i = 0;
  if (filters.city) {
    stmt.setString(++i, *filters.city);
  }
  if (fulltext) {
    stmt.setString(++i, *fulltext);
  }
  if (filters.from) {
    stmt.setString(++i, core::format_sql_datetime(*filters.from));
  }
  if (filters.to) {
    stmt.setString(++i, core::format_sql_datetime(*filters.to));
  }
  if (filters.min_price) {
    stmt.setInt64(++i, *filters.min_price);
  }
  if (filters.max_price) {
    stmt.setInt64(++i, *filters.max_price);
  }
  if (after) {
    const auto when = core::format_sql_datetime(after->starts_at);
    stmt.setString(++i, when);
    stmt.setString(++i, when);
    stmt.setInt64(++i, after->id);
  }
  stmt.setUInt(++i, limit);

  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<Concert> out;
  while (rs->next()) {
    out.push_back(read_concert(*rs));
  }
  return out;
}

std::vector<Concert> CatalogRepository::list_owned(db::Connection& conn,
                                                   const OwnedFilter& filter) const {
  // Constant fragments only (at most 2^3 texts); every value is a parameter.
  std::string sql = std::string("SELECT ") + kConcertColumns + " FROM concerts WHERE 1 = 1";
  if (filter.organizer_id) {
    sql += " AND organizer_id = ?";
  }
  if (filter.status) {
    sql += " AND status = ?";
  }
  if (filter.before_id > 0) {
    sql += " AND id < ?";
  }
  sql += " ORDER BY id DESC LIMIT ?";
  auto& stmt = conn.prepare(sql);
  unsigned i = 0;
  if (filter.organizer_id) {
    stmt.setInt64(++i, *filter.organizer_id);
  }
  if (filter.status) {
    stmt.setString(++i, std::string(to_string(*filter.status)));
  }
  if (filter.before_id > 0) {
    stmt.setInt64(++i, filter.before_id);
  }
  stmt.setUInt(++i, filter.limit);
  const std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<Concert> out;
  while (rs->next()) {
    out.push_back(read_concert(*rs));
  }
  return out;
}

std::int64_t CatalogRepository::count_ticket_types(db::Connection& conn,
                                                   std::int64_t concert_id) const {
  auto& stmt = conn.prepare("SELECT COUNT(*) FROM ticket_types WHERE concert_id = ?");
  stmt.setInt64(1, concert_id);
  return single_int(stmt);
}

std::int64_t CatalogRepository::count_by_organizer(db::Connection& conn,
                                                   std::int64_t organizer_id) const {
  auto& stmt = conn.prepare("SELECT COUNT(*) FROM concerts WHERE organizer_id = ?");
  stmt.setInt64(1, organizer_id);
  return single_int(stmt);
}

std::int64_t CatalogRepository::insert(db::Connection& conn, const NewConcert& concert) const {
  auto& stmt = conn.prepare(
      "INSERT INTO concerts (organizer_id, title, artist, venue, city, starts_at) "
      "VALUES (?, ?, ?, ?, ?, CAST(? AS DATETIME(6)))");
  stmt.setInt64(1, concert.organizer_id);
  stmt.setString(2, concert.title);
  stmt.setString(3, concert.artist);
  stmt.setString(4, concert.venue);
  stmt.setString(5, concert.city);
  stmt.setString(6, core::format_sql_datetime(concert.starts_at));
  stmt.executeUpdate();
  return conn.last_insert_id();
}

void CatalogRepository::update(db::Connection& conn, std::int64_t id,
                               const ConcertChanges& changes) const {
  // One fixed text: a NULL parameter keeps the column as it is.
  auto& stmt = conn.prepare(
      "UPDATE concerts SET title = COALESCE(?, title), artist = COALESCE(?, artist), "
      "venue = COALESCE(?, venue), city = COALESCE(?, city), "
      "starts_at = COALESCE(CAST(? AS DATETIME(6)), starts_at), status = COALESCE(?, status) "
      "WHERE id = ?");
  const auto set = [&stmt](unsigned index, const std::optional<std::string>& value) {
    if (value) {
      stmt.setString(index, *value);
    } else {
      stmt.setNull(index, 0);
    }
  };
  set(1, changes.title);
  set(2, changes.artist);
  set(3, changes.venue);
  set(4, changes.city);
  set(5, changes.starts_at
             ? std::optional<std::string>(core::format_sql_datetime(*changes.starts_at))
             : std::nullopt);
  set(6, changes.status ? std::optional<std::string>(to_string(*changes.status)) : std::nullopt);
  stmt.setInt64(7, id);
  stmt.executeUpdate();
}

void CatalogRepository::remove(db::Connection& conn, std::int64_t id) const {
  auto& stmt = conn.prepare("DELETE FROM concerts WHERE id = ?");
  stmt.setInt64(1, id);
  stmt.executeUpdate();
}

std::optional<std::int64_t> CatalogRepository::insert_ticket_type(db::Connection& conn,
                                                                  const NewTicketType& type) const {
  auto& stmt = conn.prepare(
      "INSERT INTO ticket_types (concert_id, name, price, quota, available, per_user_limit) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  stmt.setInt64(1, type.concert_id);
  stmt.setString(2, type.name);
  stmt.setInt64(3, type.price);
  stmt.setInt64(4, type.quota);
  stmt.setInt64(5, type.quota);
  if (type.per_user_limit) {
    stmt.setInt64(6, *type.per_user_limit);
  } else {
    stmt.setNull(6, 0);
  }
  try {
    stmt.executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() == db::kErrDuplicateKey) {  // uq_ticket_type_name (concert_id, name)
      return std::nullopt;
    }
    throw;
  }
  return conn.last_insert_id();
}

void CatalogRepository::refresh_min_price(db::Connection& conn, std::int64_t concert_id) const {
  auto& stmt = conn.prepare(
      "UPDATE concerts SET min_price = "
      "(SELECT MIN(price) FROM ticket_types WHERE concert_id = ?) WHERE id = ?");
  stmt.setInt64(1, concert_id);
  stmt.setInt64(2, concert_id);
  stmt.executeUpdate();
}

}  // namespace tiket::catalog
