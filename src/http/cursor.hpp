#pragma once

#include <cstdint>
#include <string>

namespace tiket::http {

// Opaque keyset cursors for lists paged by id: base64url of "<tag><id>". The tag keeps a
// cursor from one list from being accepted by another.
std::string encode_id_cursor(char tag, std::int64_t last_id);

// Throws AppError 400 ("cursor is not valid") on anything encode_id_cursor(tag, …) did not make.
std::int64_t decode_id_cursor(char tag, const std::string& cursor);

}  // namespace tiket::http
