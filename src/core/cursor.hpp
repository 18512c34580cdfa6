#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tiket::core {

// base64url without padding, the alphabet of every cursor. decode: nullopt when malformed.
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

// Opaque keyset cursors for lists paged by id: base64url of "<tag><id>". The tag keeps a
// cursor from one list from being accepted by another.
std::string encode_id_cursor(char tag, std::int64_t last_id);

// Throws AppError 400 ("cursor is not valid") on anything encode_id_cursor(tag, …) did not make.
std::int64_t decode_id_cursor(char tag, const std::string& cursor);

}  // namespace tiket::core
