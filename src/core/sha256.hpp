#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace tiket::core {

// SHA-256 of `data` as 64 lowercase hex digits: migration checksums, stored refresh-token and
// idempotency-request hashes. libsodium must be initialised (sodium_init) first.
std::string sha256_hex(std::string_view data);

// SHA-512 of the concatenation of `parts`, as 128 lowercase hex digits (payment signatures).
std::string sha512_hex(std::initializer_list<std::string_view> parts);

}  // namespace tiket::core
