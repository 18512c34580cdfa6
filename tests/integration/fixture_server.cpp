// The real service (same wiring, same dispatcher) plus a few routes that only tests need:
// an echo for body handling, a slow handler for shutdown, and one that throws.
#include <chrono>
#include <stdexcept>
#include <thread>

#include "app/app.hpp"
#include "core/errors.hpp"

using tiket::http::Execution;
using tiket::http::Method;
using tiket::http::Request;
using tiket::http::Response;

int main(int argc, char** argv) {
  return tiket::app::main(argc, argv, [](tiket::http::Router& router) {
    router.add(Method::Post, "/test/echo", [](Request& req) {
      const auto body = req.json_body();
      return Response::json(200, {{"bytes", req.body.size()}, {"json", body}});
    });
    router.add(Method::Get, "/test/slow", [](Request& req) {
      const auto ms = std::stoi(std::string(req.query_param("ms").value_or("500")));
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      return Response::json(200, {{"slept_ms", ms}});
    });
    router.add(Method::Get, "/test/boom", [](Request&) -> Response {
      throw std::runtime_error("SELECT secret FROM internals -- must never reach a client");
    });
    router.add(
        Method::Get, "/test/inline-boom",
        [](Request&) -> Response { throw std::logic_error("inline internals"); },
        Execution::Inline);
  });
}
