#include "http/server.hpp"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/net.h>
#include <pistache/peer.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <optional>
#include <sstream>
#include <thread>

#include "core/backoff.hpp"
#include "core/errors.hpp"
#include "core/logging.hpp"
#include "core/percent_encoding.hpp"

namespace tiket::http {

namespace P = Pistache::Http;

struct Server::State {
  Router router;
  WorkerPool* workers = nullptr;
  Metrics* metrics = nullptr;
  std::size_t max_body_bytes = 0;
  std::shared_ptr<Lifecycle> lifecycle;
  P::Mime::MediaType json_mime = P::Mime::MediaType::fromString("application/json");
  P::Mime::MediaType problem_mime = P::Mime::MediaType::fromString("application/problem+json");
};

namespace {

// Pistache 0.0.5 stores Header::Raw entries on a response but never writes them to the wire:
// only typed headers are serialised. This typed header carries any name and value.
class NamedHeader final : public P::Header::Header {
 public:
  NamedHeader(std::string name, std::string value)
      : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  void write(std::ostream& os) const override { os << value_; }
  std::uint64_t hash() const override { return std::hash<std::string>{}(name_); }

 private:
  std::string name_;
  std::string value_;
};

void set_header(P::Header::Collection& headers, std::string name, std::string value) {
  headers.add(std::make_shared<NamedHeader>(std::move(name), std::move(value)));
}

// Route ids for answers that did not come from a route; they share the metrics cache.
constexpr std::size_t kUnmatched = std::numeric_limits<std::uint32_t>::max() - 1;
constexpr std::string_view kUnmatchedLabel = "unmatched";

Method from_pistache(P::Method m) {
  switch (m) {
    case P::Method::Get:
      return Method::Get;
    case P::Method::Head:
      return Method::Head;
    case P::Method::Post:
      return Method::Post;
    case P::Method::Put:
      return Method::Put;
    case P::Method::Patch:
      return Method::Patch;
    case P::Method::Delete:
      return Method::Delete;
    case P::Method::Options:
      return Method::Options;
    default:
      return Method::Other;
  }
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool is_acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) {
    return false;
  }
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' ||
           c == ':';
  });
}

std::string new_request_id() {
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string id(32, '0');
  std::uint64_t a = core::fast_random();
  std::uint64_t b = core::fast_random();
  for (std::size_t i = 0; i < 16; ++i) {
    id[i] = kHex[a & 0xFU];
    id[16 + i] = kHex[b & 0xFU];
    a >>= 4U;
    b >>= 4U;
  }
  return id;
}

// Copies what handlers need out of Pistache's request. Throws AppError on a malformed query.
Request copy_request(const P::Request& in) {
  Request out;
  out.method = from_pistache(in.method());
  out.path = in.resource();
  out.remote_ip = in.address().host();
  out.body = in.body();
  const auto& headers = in.headers();
  for (const auto& [name, raw] : headers.rawList()) {
    out.headers.emplace_back(lowercase(name), raw.value());
  }
  thread_local std::ostringstream value;  // reused: one allocation per thread, not per header
  for (const auto& typed : headers.list()) {
    value.str(std::string());
    value.clear();
    typed->write(value);
    out.headers.emplace_back(lowercase(typed->name()), value.str());
  }
  const auto& query = in.query();
  for (auto it = query.parameters_begin(); it != query.parameters_end(); ++it) {
    try {
      out.query.emplace_back(core::percent_decode(it->first, true),
                             core::percent_decode(it->second, true));
    } catch (const std::invalid_argument&) {
      out.query.clear();
      throw core::AppError::bad_request("The query string contains a malformed %-escape.",
                                        {{it->first, "malformed %-escape"}});
    }
  }
  const auto id = out.header("x-request-id");
  out.request_id = id && is_acceptable_request_id(*id) ? std::string(*id) : new_request_id();
  return out;
}

Response problem_response(const core::Problem& problem, const Request& req) {
  Response r;
  r.status = problem.status;
  r.content_type = "application/problem+json";
  r.body = core::render_problem(problem, req.path, req.request_id);
  r.headers = problem.headers;
  return r;
}

Response error_response(const std::exception_ptr& error, const Request& req) {
  auto problem = core::problem_from_exception(error);
  if (problem.internal) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    core::log::error("unhandled error",
                     {{"request_id", req.request_id}, {"route", req.route}, {"error", what}});
  }
  return problem_response(problem, req);
}

// The one place that turns a handler's outcome, or any exception it throws, into a response.
Response invoke(const Route& route, Request& req) {
  try {
    return route.handler(req);
  } catch (...) {
    return error_response(std::current_exception(), req);
  }
}

std::optional<Response> invoke_fast_path(const Route& route, Request& req) {
  try {
    return route.fast_path(req);
  } catch (...) {
    return error_response(std::current_exception(), req);
  }
}

void write_access_log(const Request& req, std::string_view route, int status, double seconds) {
  if (!core::log::enabled(spdlog::level::info)) {
    return;
  }
  std::string line;
  line.reserve(256);
  line += R"({"time":")";
  line += core::log::utc_timestamp(std::chrono::system_clock::now());
  line += R"(","level":"info","msg":"request","request_id":")";
  core::log::append_json_escaped(line, req.request_id);
  line += R"(","method":")";
  line += to_string(req.method);
  line += R"(","route":")";
  core::log::append_json_escaped(line, route);
  line += R"(","path":")";
  core::log::append_json_escaped(line, req.path);
  line += R"(","status":)";
  line += std::to_string(status);
  line += R"(,"duration_ms":)";
  line += fmt::format("{:.3f}", seconds * 1000.0);
  line += R"(,"user_id":)";
  line += req.user_id ? std::to_string(*req.user_id) : "null";
  line += R"(,"remote_ip":")";
  core::log::append_json_escaped(line, req.remote_ip);
  line += "\"}";
  core::log::write_raw(spdlog::level::info, line);
}

// Per-connection count of requests accepted and not yet answered, kept in Pistache's peer
// data. The direct write below is only safe when it is the connection's only one.
using Outstanding = std::atomic<int>;
constexpr const char* kOutstandingKey = "tiket.outstanding";

std::shared_ptr<Outstanding> outstanding_for(const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  // Reactor thread only: peer data is not synchronised.
  auto data = peer->tryGetData(kOutstandingKey);
  if (!data) {
    auto counter = std::make_shared<Outstanding>(0);
    peer->putData(kOutstandingKey, counter);
    return counter;
  }
  return std::static_pointer_cast<Outstanding>(data);
}

// What we know about the request's connection. `peer` is set only on the reactor thread that
// owns the socket; a worker gets a copy without it and always goes through Pistache's queue.
struct DirectWrite {
  std::shared_ptr<Pistache::Tcp::Peer> peer;
  std::shared_ptr<Outstanding> outstanding;
  bool http10 = false;
  bool close = false;  // answer with Connection: close
};

std::string serialize_response(const DirectWrite& direct, const Request& req, const Response& resp,
                               bool draining) {
  const auto code = static_cast<P::Code>(resp.status);
  std::string wire;
  wire.reserve(192 + resp.body.size());
  wire += direct.http10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  wire += std::to_string(resp.status);
  wire += ' ';
  wire += P::codeString(code);
  wire += "\r\n";
  if (!resp.content_type.empty()) {
    wire += "Content-Type: ";
    wire += resp.content_type;
    wire += "\r\n";
  }
  wire += direct.close || draining ? "Connection: Close\r\n" : "Connection: Keep-Alive\r\n";
  wire += "X-Request-Id: ";
  wire += req.request_id;
  wire += "\r\n";
  for (const auto& [name, value] : resp.headers) {
    wire += name;
    wire += ": ";
    wire += value;
    wire += "\r\n";
  }
  wire += "Content-Length: ";
  wire += std::to_string(resp.body.size());
  wire += "\r\n\r\n";
  wire += resp.body;
  return wire;
}

// Pistache 0.0.5 queues every response, even one produced on the reactor thread that owns the
// socket, and pays an eventfd wake-up plus epoll_ctl calls for it. When the connection has no
// other request outstanding (so no earlier response can still be queued), we write the bytes
// ourselves with a non-blocking send; whatever the socket does not take goes through Pistache's
// queue. Measured +24% requests/s on /healthz (ADR 0003).
bool write_directly(const std::shared_ptr<Server::State>& state, const DirectWrite& direct,
                    const Request& req, const Response& resp) {
  if (!direct.peer || direct.outstanding->load() != 1) {
    return false;
  }
  const auto wire = serialize_response(direct, req, resp, state->lifecycle->draining.load());
  const ssize_t sent =
      ::send(direct.peer->fd(), wire.data(), wire.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  direct.peer->setIdle(true);  // what ResponseWriter::send does: the keep-alive clock restarts
  const auto written = sent > 0 ? static_cast<std::size_t>(sent) : 0;
  if (written == wire.size() || (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
    // All written, or the client is gone (EPIPE, ECONNRESET): nothing left to do.
    direct.outstanding->fetch_sub(1);
    return true;
  }
  const auto lifecycle = state->lifecycle;
  const auto outstanding = direct.outstanding;
  lifecycle->unsettled_writes.fetch_add(1);
  direct.peer->send(Pistache::RawBuffer(wire.substr(written), wire.size() - written))
      .then(
          [lifecycle, outstanding](ssize_t) {
            outstanding->fetch_sub(1);
            lifecycle->unsettled_writes.fetch_sub(1);
          },
          [lifecycle, outstanding](std::exception_ptr&) {
            outstanding->fetch_sub(1);
            lifecycle->unsettled_writes.fetch_sub(1);
          });
  return true;
}

void record(const std::shared_ptr<Server::State>& state, const Request& req, std::size_t route_id,
            std::string_view route_label, int status) {
  const auto elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - req.received_at).count();
  state->metrics->observe_request(route_id, route_label, req.method, status, elapsed);
  write_access_log(req, route_label, status, elapsed);
}

// Sends the response, then records metrics and the access log. Safe on any thread.
void finish(const std::shared_ptr<Server::State>& state, P::ResponseWriter& writer,
            const Request& req, std::size_t route_id, std::string_view route_label,
            const Response& resp, const DirectWrite& conn) {
  if (write_directly(state, conn, req, resp)) {
    state->lifecycle->in_flight.fetch_sub(1);
    record(state, req, route_id, route_label, resp.status);
    return;
  }
  auto& headers = writer.headers();
  set_header(headers, "X-Request-Id", req.request_id);
  for (const auto& [name, value] : resp.headers) {
    set_header(headers, name, value);
  }
  if (state->lifecycle->draining.load(std::memory_order_relaxed)) {
    // Tell keep-alive clients to reconnect elsewhere while this instance goes away.
    headers.remove<P::Header::Connection>();
    headers.add<P::Header::Connection>(P::ConnectionControl::Close);
  }
  const auto code = static_cast<P::Code>(resp.status);
  P::Mime::MediaType mime;
  if (resp.content_type == "application/json") {
    mime = state->json_mime;
  } else if (resp.content_type == "application/problem+json") {
    mime = state->problem_mime;
  } else if (!resp.content_type.empty()) {
    mime = P::Mime::MediaType::fromString(resp.content_type);
  }

  const auto lifecycle = state->lifecycle;
  const auto outstanding = conn.outstanding;
  lifecycle->unsettled_writes.fetch_add(1);
  writer.send(code, resp.body, mime)
      .then(
          [lifecycle, outstanding](ssize_t) {
            lifecycle->unsettled_writes.fetch_sub(1);
            outstanding->fetch_sub(1);
          },
          [lifecycle, outstanding](std::exception_ptr&) {
            // The client went away before the answer was written; nothing else to do.
            lifecycle->unsettled_writes.fetch_sub(1);
            outstanding->fetch_sub(1);
          });
  lifecycle->in_flight.fetch_sub(1);
  record(state, req, route_id, route_label, resp.status);
}

class Dispatcher final : public P::Handler {
 public:
  HTTP_PROTOTYPE(Dispatcher)

  explicit Dispatcher(std::shared_ptr<Server::State> state) : state_(std::move(state)) {}

  void onRequest(const P::Request& preq, P::ResponseWriter writer) override {
    const auto received_at = std::chrono::steady_clock::now();
    // Pistache 0.0.5 answers "Connection: close" when an HTTP/1.1 request has no Connection
    // header, although 1.1 is persistent by default (ADR 0003, item 1): put it right.
    if (preq.version() == P::Version::Http11 && !preq.headers().has<P::Header::Connection>()) {
      writer.headers().remove<P::Header::Connection>();
      writer.headers().add<P::Header::Connection>(P::ConnectionControl::KeepAlive);
    }
    state_->lifecycle->in_flight.fetch_add(1);

    DirectWrite conn;
    conn.peer = writer.peer();
    conn.outstanding = outstanding_for(conn.peer);
    conn.outstanding->fetch_add(1);
    conn.http10 = preq.version() == P::Version::Http10;
    const auto connection = preq.headers().tryGet<P::Header::Connection>();
    conn.close = connection ? connection->control() == P::ConnectionControl::Close : conn.http10;

    Request req;
    try {
      req = copy_request(preq);
    } catch (...) {
      req.method = from_pistache(preq.method());
      req.path = preq.resource();
      req.request_id = new_request_id();
      req.received_at = received_at;
      finish(state_, writer, req, kUnmatched, kUnmatchedLabel,
             error_response(std::current_exception(), req), conn);
      return;
    }
    req.received_at = received_at;

    if (state_->lifecycle->draining.load()) {
      finish(state_, writer, req, kUnmatched, kUnmatchedLabel,
             error_response(std::make_exception_ptr(core::AppError::unavailable(
                                "The server is shutting down; retry on another instance.", 1)),
                            req),
             conn);
      return;
    }
    if (req.body.size() > state_->max_body_bytes) {
      finish(state_, writer, req, kUnmatched, kUnmatchedLabel,
             error_response(
                 std::make_exception_ptr(core::AppError::payload_too_large(state_->max_body_bytes)),
                 req),
             conn);
      return;
    }

    RouteMatch match;
    try {
      match = state_->router.match(req.method, req.path);
    } catch (...) {
      finish(state_, writer, req, kUnmatched, kUnmatchedLabel,
             error_response(std::current_exception(), req), conn);
      return;
    }
    if (match.kind != RouteMatch::Kind::Found) {
      const bool not_allowed = match.kind == RouteMatch::Kind::MethodNotAllowed;
      core::AppError error = not_allowed
                                 ? core::AppError(core::ProblemKind::method_not_allowed,
                                                  "This path does not support " +
                                                      std::string(to_string(req.method)) + ".")
                                 : core::AppError::not_found("No route matches " + req.path + ".");
      if (not_allowed) {
        error.headers.emplace_back("Allow", match.allow);
      }
      finish(state_, writer, req, kUnmatched, kUnmatchedLabel,
             error_response(std::make_exception_ptr(error), req), conn);
      return;
    }

    const Route& route = *match.route;
    req.route = route.path_template;
    req.params = std::move(match.params);

    if (route.execution == Execution::Inline) {
      const auto resp = invoke(route, req);
      finish(state_, writer, req, route.id, route.path_template, resp, conn);
      return;
    }
    if (route.fast_path) {
      // A cache hit is answered here, without the hand-off to a worker and back.
      auto resp = invoke_fast_path(route, req);
      if (resp) {
        finish(state_, writer, req, route.id, route.path_template, *resp, conn);
        return;
      }
    }

    // Move the writer and a copy of the request to a worker; never touch preq there.
    struct Job {
      Request req;
      P::ResponseWriter writer;
      DirectWrite conn;
    };
    DirectWrite queued_only = conn;
    queued_only.peer.reset();  // workers never write to the socket themselves
    auto job = std::make_shared<Job>(Job{std::move(req), std::move(writer), queued_only});
    const auto state = state_;
    const bool queued = state_->workers->try_submit([state, job, &route] {
      const auto resp = invoke(route, job->req);
      finish(state, job->writer, job->req, route.id, route.path_template, resp, job->conn);
    });
    if (!queued) {
      finish(state_, job->writer, job->req, route.id, route.path_template,
             error_response(std::make_exception_ptr(core::AppError::unavailable(
                                "The server is busy; retry shortly.", 1)),
                            job->req),
             conn);
    }
  }

 private:
  std::shared_ptr<Server::State> state_;
};

}  // namespace

Server::Server(ServerOptions options, Router router, WorkerPool& workers, Metrics& metrics,
               std::shared_ptr<Lifecycle> lifecycle)
    : state_(std::make_shared<State>()), options_(std::move(options)) {
  state_->lifecycle = std::move(lifecycle);
  state_->router = std::move(router);
  state_->workers = &workers;
  state_->metrics = &metrics;
  state_->max_body_bytes = options_.max_body_bytes;
}

Server::~Server() {
  if (endpoint_) {
    endpoint_->shutdown();
  }
}

void Server::start() {
  const Pistache::Address addr(options_.host, Pistache::Port(options_.port));
  endpoint_ = std::make_unique<P::Endpoint>(addr);
  // Pistache buffers the whole request (headers + body) up to this size and answers a bare
  // text 413 beyond it, before our code runs. Leave room above our own limit so that every
  // realistic oversized body reaches the dispatcher and gets a problem+json 413 (ADR 0003).
  const std::size_t hard_limit = (options_.max_body_bytes * 4) + (std::size_t{64} * 1024);
  auto opts = P::Endpoint::options()
                  .threads(static_cast<int>(options_.threads))
                  .threadsName("tiket-http")
                  .flags(Pistache::Tcp::Options::ReuseAddr)
                  .maxRequestSize(hard_limit)
                  .maxResponseSize(std::size_t{64} * 1024 * 1024)
                  .headerTimeout(options_.header_timeout)
                  .bodyTimeout(options_.body_timeout)
                  .keepaliveTimeout(options_.keepalive_timeout);
  endpoint_->init(opts);
  endpoint_->setHandler(std::make_shared<Dispatcher>(state_));
  endpoint_->serveThreaded();
}

std::uint16_t Server::port() const {
  return endpoint_ ? static_cast<std::uint16_t>(endpoint_->getPort()) : 0;
}

void Server::begin_drain() {
  state_->lifecycle->draining.store(true);
}

bool Server::draining() const {
  return state_->lifecycle->draining.load();
}

bool Server::wait_idle(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (state_->lifecycle->in_flight.load() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

void Server::stop() {
  // Give responses already handed to Pistache a moment to reach their sockets before the
  // reactors stop; see Lifecycle::unsettled_writes for why this wait is short and bounded.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (state_->lifecycle->unsettled_writes.load() > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (endpoint_) {
    endpoint_->shutdown();
    endpoint_.reset();
  }
}

}  // namespace tiket::http
