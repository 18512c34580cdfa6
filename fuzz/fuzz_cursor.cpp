// Cursor decoding: base64url, the id cursors of /api/users and /api/bookings, and the catalog's
// keyset cursor; whatever a decoder accepts must be exactly what its encoder makes.
// Input: the ?cursor= value (already percent-decoded).

#include "catalog/listing.hpp"
#include "core/cursor.hpp"
#include "core/timestamp.hpp"
#include "fuzz_support.hpp"

namespace {

using tiket::fuzz::require;

void id_cursor(char tag, const std::string& cursor) {
  tiket::fuzz::parse_or_client_error([&] {
    const auto id = tiket::core::decode_id_cursor(tag, cursor);
    require(id >= 0, "decode_id_cursor returned a negative id");
    require(tiket::core::encode_id_cursor(tag, id) == cursor,
            "decode_id_cursor accepted a cursor encode_id_cursor does not make");
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string cursor(tiket::fuzz::as_text(data, size));

  if (const auto raw = tiket::core::base64url_decode(cursor)) {
    require(tiket::core::base64url_decode(tiket::core::base64url_encode(*raw)) == raw,
            "base64url does not round-trip");
  }

  id_cursor('u', cursor);
  id_cursor('b', cursor);

  if (const auto keyset = tiket::catalog::decode_cursor(cursor)) {
    require(keyset->id > 0, "catalog cursor with an id below 1");
    require(tiket::catalog::encode_cursor(*keyset) == cursor,
            "catalog decode_cursor accepted a cursor encode_cursor does not make");
    // The keyset goes into SQL as a DATETIME(6) literal, which must mean the same instant.
    const auto sql = tiket::core::format_sql_datetime(keyset->starts_at);
    require(tiket::core::parse_sql_datetime(sql) == keyset->starts_at,
            "a catalog cursor's time does not survive the trip through SQL");
    tiket::catalog::ListQuery query;
    query.after = keyset;
    (void)tiket::catalog::cache_key(query);
  }
  return 0;
}
