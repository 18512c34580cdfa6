#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace tiket::http {

// The value of cookie `name` in the request's Cookie header(s), or nullopt. Values are taken
// as sent (no decoding); a name that appears twice yields the first.
std::optional<std::string> cookie(const Request& req, std::string_view name);

// A Set-Cookie value for a cookie no script can read and no other site can send:
// `name=value; HttpOnly; Secure; SameSite=Strict; Path=path; Max-Age=max_age`.
// Max-Age=0 (and an empty value) clears it.
std::string strict_cookie(std::string_view name, std::string_view value, std::string_view path,
                          std::chrono::seconds max_age);

// The host[:port] of an Origin header value ("https://tiket.example:8443" → "tiket.example:8443"),
// or nullopt when it is not a scheme://authority origin ("null", a path, ...).
std::optional<std::string> origin_authority(std::string_view origin);

}  // namespace tiket::http
