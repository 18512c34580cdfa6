#pragma once

#include <string>
#include <string_view>

namespace tiket::core {

// Decodes %XX escapes (RFC 3986) in URL paths, query strings and DATABASE_URL credentials;
// when plus_is_space is set, '+' becomes ' ' (form-encoded query strings).
// Throws std::invalid_argument on a malformed or truncated escape.
std::string percent_decode(std::string_view in, bool plus_is_space = false);

}  // namespace tiket::core
