#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace tiket::reporting {

// One RFC 4180 field: quoted when it holds a comma, a double quote, CR or LF (and when it
// starts or ends with a space, which some readers would trim); quotes inside are doubled.
std::string csv_field(std::string_view text);

// RFC 4180 text: a header row of `columns`, then one row per item of `items` (JSON objects),
// each line ending in CRLF. Strings are written as they are, numbers as JSON writes them, null
// as an empty field.
std::string to_csv(const std::vector<std::string>& columns, const nlohmann::json& items);

}  // namespace tiket::reporting
