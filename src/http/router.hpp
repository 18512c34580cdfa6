#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/event_stream.hpp"
#include "http/message.hpp"

namespace tiket::http {

using Handler = std::function<Response(Request&)>;

// A non-blocking first try, run on the reactor thread before the route's worker handler: a
// response (for example a read-cache hit) is the answer; nullopt hands the request to the
// worker pool as usual. It must never block: no database, no locks held for long, no hashing.
using FastPath = std::function<std::optional<Response>(Request&)>;

// A deferred answer, given later from any thread, exactly once: `Answer` makes the response and
// may throw as a handler does (an AppError becomes its problem+json); an empty Answer hands the
// request to the route's worker handler after all.
using Answer = std::function<Response()>;
using Later = std::function<void(Answer)>;

// A first try on the reactor thread that may answer later without holding any thread: true
// when it took the request (it, or whoever it passed `later` to, calls `later` exactly once),
// false to hand the request to the worker pool now. The same rules as FastPath: it never
// blocks, and whatever it throws sends the request to the worker handler.
using DeferredPath = std::function<bool(Request&, Later)>;

// Inline handlers run on the reactor thread and must never block (health, metrics).
// Everything that touches the database or hashes a password runs on the worker pool.
// Stream routes answer with Server-Sent Events: their handler runs on a worker, then the
// stream is kept by the server without a thread (server.cpp, "Event streams").
enum class Execution { Inline, Worker, Stream };

struct Route {
  Method method = Method::Get;
  std::string path_template;  // /api/users/{id}
  std::vector<std::string> segments;
  Handler handler;
  Execution execution = Execution::Worker;
  FastPath fast_path;     // optional; only for Execution::Worker routes
  DeferredPath deferred;  // optional; only for Execution::Worker routes
  StreamHandler stream;   // Execution::Stream only (handler is unset)
  StreamPoll poll;        // Execution::Stream only
  std::size_t id = 0;
};

struct RouteMatch {
  enum class Kind { Found, NotFound, MethodNotAllowed };
  Kind kind = Kind::NotFound;
  const Route* route = nullptr;
  NameValues params;
  std::string allow;  // for 405: "GET, POST"
};

// A small table of path templates. Matching is pure and has no Pistache in it, so it is
// unit-tested directly; it also gives us the route template for logs and metric labels.
class Router {
 public:
  void add(Method method, std::string path_template, Handler handler,
           Execution execution = Execution::Worker);
  // A worker route whose `fast_path` is tried on the reactor thread first.
  void add(Method method, std::string path_template, FastPath fast_path, Handler handler);
  // A worker route whose `deferred` path is tried on the reactor thread first.
  void add_deferred(Method method, std::string path_template, DeferredPath deferred,
                    Handler handler);

  // A Server-Sent Events route (GET): `open` checks the caller and names the topic, `poll`
  // reads the current event of every open stream's topic in one batch.
  void add_stream(std::string path_template, StreamHandler open, StreamPoll poll);

  // Throws AppError 400 when a path parameter has a malformed %-escape.
  RouteMatch match(Method method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

std::vector<std::string_view> split_path(std::string_view path);

}  // namespace tiket::http
