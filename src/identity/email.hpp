#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tiket::identity {

// Lower-cases and validates an email address. nullopt when it is not a plausible address
// (one '@', a dotted domain, no spaces or control characters, at most 254 characters).
// An email is how a person is identified here (login, codes, accounts), so every module that
// takes one normalises it the same way.
std::optional<std::string> normalize_email(std::string_view email);

}  // namespace tiket::identity
