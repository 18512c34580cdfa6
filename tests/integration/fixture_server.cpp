// The real service (same wiring, same dispatcher) plus a few routes that only tests need:
// an echo for body handling, a slow handler for shutdown, and one that throws.
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "app/cli.hpp"
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
    // ?hit=1 is answered by the fast path on the reactor thread; anything else goes to a
    // worker, which sleeps ?ms= first.
    router.add(
        Method::Get, "/test/fast",
        [](Request& req) -> std::optional<Response> {
          if (req.query_param("hit") == std::optional<std::string_view>("1")) {
            return Response::json(200, {{"served_by", "fast-path"}});
          }
          return std::nullopt;
        },
        [](Request& req) {
          const auto ms = std::stoi(std::string(req.query_param("ms").value_or("0")));
          std::this_thread::sleep_for(std::chrono::milliseconds(ms));
          return Response::json(200, {{"served_by", "worker"}});
        });
    // A deferred path: ?answer=ok|error|worker is answered ?ms= later from a thread of its own
    // (never a worker): a 200, a thrown AppError (409), or a hand-over to the worker handler;
    // ?answer=decline returns false and ?answer=throw throws, both straight to the worker.
    router.add_deferred(
        Method::Get, "/test/later",
        [](Request& req, tiket::http::Later later) {
          const auto answer = std::string(req.query_param("answer").value_or(""));
          if (answer == "throw") {
            throw std::runtime_error("a first look that fails sends the request to a worker");
          }
          if (answer != "ok" && answer != "error" && answer != "worker") {
            return false;
          }
          const auto ms = std::stoi(std::string(req.query_param("ms").value_or("0")));
          std::thread([later = std::move(later), answer, ms] {
            std::this_thread::sleep_for(std::chrono::milliseconds(ms));
            if (answer == "ok") {
              later([] { return Response::json(200, {{"served_by", "later"}}); });
            } else if (answer == "error") {
              later([]() -> Response {
                throw tiket::core::AppError(tiket::core::ProblemKind::sold_out, "None left.");
              });
            } else {
              later(nullptr);
            }
          }).detach();
          return true;
        },
        [](Request&) {
          return Response::json(200, {{"served_by", "worker"}});
        });
    router.add(
        Method::Get, "/test/inline-boom",
        [](Request&) -> Response { throw std::logic_error("inline internals"); },
        Execution::Inline);
  });
}
