#include "core/cursor.hpp"

#include <sodium.h>

#include <charconv>

#include "core/errors.hpp"

namespace tiket::core {

std::string base64url_encode(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  const std::string in(text);
  std::string raw(in.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), in.c_str(),
                        in.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  raw.resize(len);
  return raw;
}

std::string encode_id_cursor(char tag, std::int64_t last_id) {
  return base64url_encode(std::string(1, tag) + std::to_string(last_id));
}

std::int64_t decode_id_cursor(char tag, const std::string& cursor) {
  const auto bad = [] {
    return core::AppError::bad_request("The cursor is not valid; use next_cursor as returned.",
                                       {{"cursor", "is not valid"}});
  };
  if (cursor.empty() || cursor.size() > 64) {
    throw bad();
  }
  const auto raw = base64url_decode(cursor);
  // The id as encode_id_cursor writes it: digits only, no sign, no leading zeros.
  if (!raw || raw->size() < 2 || (*raw)[0] != tag || (*raw)[1] < '0' || (*raw)[1] > '9' ||
      ((*raw)[1] == '0' && raw->size() > 2)) {
    throw bad();
  }
  std::int64_t id = 0;
  const auto* begin = raw->data() + 1;
  const auto* end = raw->data() + raw->size();
  const auto [ptr, ec] = std::from_chars(begin, end, id);
  if (ec != std::errc{} || ptr != end || id < 0) {
    throw bad();
  }
  return id;
}

}  // namespace tiket::core
