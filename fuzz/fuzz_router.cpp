// Path matching: split_path, Router::match and the percent-decoding of path parameters, over
// the service's route table; a matched {id} is then read with parse_id as the handlers do.
// Input: one byte for the method, then the request path.

#include <algorithm>
#include <array>

#include "fuzz_support.hpp"
#include "http/query.hpp"
#include "http/router.hpp"

namespace {

using tiket::fuzz::require;
using tiket::http::Method;

// The templates the service registers (src/*/routes.cpp); the handlers are never called.
const tiket::http::Router& service_routes() {
  static const tiket::http::Router router = [] {
    tiket::http::Router r;
    const auto none = [](tiket::http::Request&) { return tiket::http::Response::empty(204); };
    const std::array<std::pair<Method, const char*>, 27> routes = {{
        {Method::Get, "/healthz"},
        {Method::Get, "/readyz"},
        {Method::Get, "/metrics"},
        {Method::Get, "/.well-known/jwks.json"},
        {Method::Post, "/api/auth/register"},
        {Method::Post, "/api/auth/login"},
        {Method::Post, "/api/auth/login-code"},
        {Method::Post, "/api/auth/login-code/verify"},
        {Method::Post, "/api/auth/refresh"},
        {Method::Post, "/api/auth/logout"},
        {Method::Get, "/api/auth/me"},
        {Method::Get, "/api/admin/mail-outbox"},
        {Method::Post, "/api/users"},
        {Method::Get, "/api/users"},
        {Method::Get, "/api/users/{id}"},
        {Method::Patch, "/api/users/{id}"},
        {Method::Get, "/api/concerts"},
        {Method::Post, "/api/concerts"},
        {Method::Get, "/api/concerts/{id}"},
        {Method::Patch, "/api/concerts/{id}"},
        {Method::Delete, "/api/concerts/{id}"},
        {Method::Post, "/api/concerts/{id}/ticket-types"},
        {Method::Post, "/api/bookings"},
        {Method::Get, "/api/bookings"},
        {Method::Get, "/api/bookings/{code}"},
        {Method::Post, "/api/bookings/{code}/cancel"},
        {Method::Post, "/api/admin/jobs/expire-bookings/run"},
    }};
    for (const auto& [method, path] : routes) {
      r.add(method, path, none);
    }
    return r;
  }();
  return router;
}

void match(Method method, std::string_view path) {
  const auto parts = tiket::http::split_path(path);
  for (const auto part : parts) {
    require(!part.empty() && part.find('/') == std::string_view::npos, "split_path segment");
  }
  const auto result = service_routes().match(method, path);
  switch (result.kind) {
    case tiket::http::RouteMatch::Kind::Found: {
      require(result.route != nullptr && result.route->method == method, "matched another method");
      require(result.route->segments.size() == parts.size(), "matched another shape");
      const auto holes = std::count_if(result.route->segments.begin(), result.route->segments.end(),
                                       [](const std::string& s) { return s.front() == '{'; });
      require(result.params.size() == static_cast<std::size_t>(holes), "parameter count");
      if (const auto id = std::find_if(result.params.begin(), result.params.end(),
                                       [](const auto& p) { return p.first == "id"; });
          id != result.params.end()) {
        tiket::fuzz::parse_or_client_error([&] {
          require(tiket::http::parse_id(id->second) > 0, "parse_id returned an id below 1");
        });
      }
      break;
    }
    case tiket::http::RouteMatch::Kind::MethodNotAllowed:
      require(!result.allow.empty(), "405 without Allow");
      require(result.allow.find(tiket::http::to_string(method)) == std::string::npos ||
                  method == Method::Other,
              "405 although the method is allowed");
      break;
    case tiket::http::RouteMatch::Kind::NotFound:
      require(result.route == nullptr && result.params.empty(), "404 with a route");
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  constexpr Method kMethods[] = {Method::Get,   Method::Head,   Method::Post,    Method::Put,
                                 Method::Patch, Method::Delete, Method::Options, Method::Other};
  const Method method = kMethods[data[0] % std::size(kMethods)];
  const auto path = tiket::fuzz::as_text(data + 1, size - 1);
  tiket::fuzz::parse_or_client_error([&] { match(method, path); });
  return 0;
}
