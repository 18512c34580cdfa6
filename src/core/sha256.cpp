#include "core/sha256.hpp"

#include <sodium.h>

#include <array>

namespace tiket::core {

namespace {
template <std::size_t N>
std::string lower_hex(const std::array<unsigned char, N>& digest) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (const auto b : digest) {
    out += kHex[b >> 4U];
    out += kHex[b & 0xFU];
  }
  return out;
}
}  // namespace

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(data.data()),
                     data.size());
  return lower_hex(digest);
}

std::string sha512_hex(std::initializer_list<std::string_view> parts) {
  crypto_hash_sha512_state state;
  crypto_hash_sha512_init(&state);
  for (const auto part : parts) {
    crypto_hash_sha512_update(&state, reinterpret_cast<const unsigned char*>(part.data()),
                              part.size());
  }
  std::array<unsigned char, crypto_hash_sha512_BYTES> digest{};
  crypto_hash_sha512_final(&state, digest.data());
  return lower_hex(digest);
}

}  // namespace tiket::core
