#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace tiket::core {

// Counts UTF-8 code points; nullopt for invalid UTF-8.
std::optional<std::size_t> utf8_length(std::string_view s);

}  // namespace tiket::core
