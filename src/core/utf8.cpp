#include "core/utf8.hpp"

namespace tiket::core {

std::optional<std::size_t> utf8_length(std::string_view s) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    if (c < 0x80) {
      len = 1;
    } else if ((c & 0xE0U) == 0xC0 && c >= 0xC2) {
      len = 2;
    } else if ((c & 0xF0U) == 0xE0) {
      len = 3;
    } else if ((c & 0xF8U) == 0xF0 && c <= 0xF4) {
      len = 4;
    } else {
      return std::nullopt;
    }
    if (i + len > s.size()) {
      return std::nullopt;
    }
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0U) != 0x80) {
        return std::nullopt;
      }
    }
    i += len;
    ++count;
  }
  return count;
}

}  // namespace tiket::core
