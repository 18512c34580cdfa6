#include "identity/token_verifier.hpp"

#include <utility>

namespace tiket::identity {

core::AppError unauthorized(std::string detail) {
  // RFC 9110 §15.5.2: every 401 names the scheme the client should use next.
  auto e = core::AppError::unauthorized(std::move(detail));
  e.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="tiket")");
  return e;
}

}  // namespace tiket::identity
