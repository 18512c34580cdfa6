#pragma once

#include <string>
#include <string_view>

namespace tiket::core {

// SHA-256 of `data` as 64 lowercase hex digits: migration checksums, stored refresh-token and
// idempotency-request hashes. libsodium must be initialised (sodium_init) first.
std::string sha256_hex(std::string_view data);

}  // namespace tiket::core
