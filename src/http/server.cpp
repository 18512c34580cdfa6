#include "http/server.hpp"

#include <fcntl.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/net.h>
#include <pistache/peer.h>
#include <pistache/transport.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "core/backoff.hpp"
#include "core/errors.hpp"
#include "core/logging.hpp"
#include "core/percent_encoding.hpp"

namespace tiket::http {

namespace P = Pistache::Http;
using Clock = std::chrono::steady_clock;

namespace {
class Dispatcher;
class EventStreams;
}  // namespace

struct Server::State {
  Router router;
  WorkerPool* workers = nullptr;
  Metrics* metrics = nullptr;
  std::size_t max_body_bytes = 0;
  std::shared_ptr<Lifecycle> lifecycle;
  CorsPolicy cors;
  std::shared_ptr<RequestCounter> request_counter;
  std::shared_ptr<const StaticFiles> web_app;  // empty when WEB_DIR has no build
  std::shared_ptr<EventStreams> streams;       // the open Server-Sent Events streams
  P::Mime::MediaType json_mime = P::Mime::MediaType::fromString("application/json");
  P::Mime::MediaType problem_mime = P::Mime::MediaType::fromString("application/problem+json");
  // Draining: when connections that send nothing may be shut down (set before `draining`).
  std::atomic<Clock::time_point> idle_deadline{Clock::time_point::max()};
  // One dispatcher per Pistache reactor thread, registered as Pistache clones them.
  std::mutex reactors_mutex;
  std::vector<std::weak_ptr<Dispatcher>> reactors;
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
// OPTIONS requests (CORS preflights) on a known path, answered by the server, not a route.
constexpr std::size_t kOptions = std::numeric_limits<std::uint32_t>::max() - 2;
constexpr std::string_view kOptionsLabel = "options";
// GET/HEAD answered from the web app's build: its files and the index.html fallback.
constexpr std::size_t kWebApp = std::numeric_limits<std::uint32_t>::max() - 3;
constexpr std::string_view kWebAppLabel = "web_app";

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

// What we keep per connection, in Pistache's peer data.
struct ConnectionState {
  // Requests accepted and not yet completely written. The direct write below is only safe when
  // it is the connection's only one; a draining connection is shut down only at zero.
  std::atomic<int> outstanding{0};
  // A response with Connection: close went out while draining: the client knows to stop.
  std::atomic<bool> told_to_close{false};
  // Our side is shut down (FIN sent); later requests are ignored. Reactor thread only.
  bool shut = false;
};
constexpr const char* kConnectionKey = "tiket.connection";

std::shared_ptr<ConnectionState> connection_for(const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  // Reactor thread only: peer data is not synchronised.
  auto data = peer->tryGetData(kConnectionKey);
  if (!data) {
    auto state = std::make_shared<ConnectionState>();
    peer->putData(kConnectionKey, state);
    return state;
  }
  return std::static_pointer_cast<ConnectionState>(data);
}

// What we know about the request's connection. `peer` is set only on the reactor thread that
// owns the socket; a worker gets a copy without it and always goes through Pistache's queue.
struct DirectWrite {
  std::shared_ptr<Pistache::Tcp::Peer> peer;
  std::shared_ptr<ConnectionState> connection;
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
  wire += std::to_string(resp.head_content_length.value_or(resp.body.size()));
  wire += "\r\n\r\n";
  wire += resp.body;
  return wire;
}

// Pistache 0.0.5 queues every response, even one produced on the reactor thread that owns the
// socket, and pays an eventfd wake-up plus epoll_ctl calls for it. When the connection has no
// other request outstanding (so no earlier response can still be queued), we write the bytes
// ourselves with a non-blocking send; whatever the socket does not take goes through Pistache's
// queue. Measured +24% requests/s on /healthz (ADR 0003).
//
// A HEAD answer (head_content_length set) must carry the GET's Content-Length without a body,
// which Pistache's writer cannot express (it always writes the body's length): it is always
// serialised here, and goes whole through Pistache's queue when the connection has another
// request outstanding (pipelined requests may then be answered out of order, ADR 0003 item 8).
bool write_directly(const std::shared_ptr<Server::State>& state, const DirectWrite& direct,
                    const Request& req, const Response& resp, bool draining) {
  if (!direct.peer) {
    return false;
  }
  const bool alone = direct.connection->outstanding.load() == 1;
  if (!alone && !resp.head_content_length) {
    return false;
  }
  const auto wire = serialize_response(direct, req, resp, draining);
  const ssize_t sent =
      alone ? ::send(direct.peer->fd(), wire.data(), wire.size(), MSG_NOSIGNAL | MSG_DONTWAIT) : 0;
  direct.peer->setIdle(true);  // what ResponseWriter::send does: the keep-alive clock restarts
  const auto written = sent > 0 ? static_cast<std::size_t>(sent) : 0;
  if (written == wire.size() || (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
    // All written, or the client is gone (EPIPE, ECONNRESET): nothing left to do.
    direct.connection->outstanding.fetch_sub(1);
    return true;
  }
  const auto lifecycle = state->lifecycle;
  const auto connection = direct.connection;
  lifecycle->unsettled_writes.fetch_add(1);
  direct.peer->send(Pistache::RawBuffer(wire.substr(written), wire.size() - written))
      .then(
          [lifecycle, connection](ssize_t) {
            connection->outstanding.fetch_sub(1);
            lifecycle->unsettled_writes.fetch_sub(1);
          },
          [lifecycle, connection](std::exception_ptr&) {
            connection->outstanding.fetch_sub(1);
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
  // user_id is whoever the route authenticated; a route that checks no token counts as anonymous.
  if (state->request_counter && req.path.starts_with("/api/")) {
    state->request_counter->count(req.user_id);
  }
}

void send_response(const std::shared_ptr<Server::State>& state, P::ResponseWriter& writer,
                   const Request& req, std::size_t route_id, std::string_view route_label,
                   const Response& resp, const DirectWrite& conn);

// Sends the response, then records metrics and the access log. Safe on any thread.
// With CORS on, every response varies by Origin, and one to an allowed origin names it.
void finish(const std::shared_ptr<Server::State>& state, P::ResponseWriter& writer,
            const Request& req, std::size_t route_id, std::string_view route_label,
            const Response& resp, const DirectWrite& conn) {
  if (!state->cors.enabled()) {
    send_response(state, writer, req, route_id, route_label, resp, conn);
    return;
  }
  Response with_cors = resp;
  with_cors.headers.emplace_back("Vary", "Origin");
  const auto origin = req.header("origin");
  if (origin && state->cors.allows(*origin)) {
    with_cors.headers.emplace_back("Access-Control-Allow-Origin", std::string(*origin));
    with_cors.headers.emplace_back("Access-Control-Expose-Headers",
                                   std::string(CorsPolicy::kExposeHeaders));
  }
  send_response(state, writer, req, route_id, route_label, with_cors, conn);
}

void send_response(const std::shared_ptr<Server::State>& state, P::ResponseWriter& writer,
                   const Request& req, std::size_t route_id, std::string_view route_label,
                   const Response& resp, const DirectWrite& conn) {
  const bool draining = state->lifecycle->draining.load();
  if (draining) {
    conn.connection->told_to_close.store(true);  // before the write completes (ADR 0012)
  }
  if (write_directly(state, conn, req, resp, draining)) {
    state->lifecycle->in_flight.fetch_sub(1);
    record(state, req, route_id, route_label, resp.status);
    return;
  }
  auto& headers = writer.headers();
  set_header(headers, "X-Request-Id", req.request_id);
  for (const auto& [name, value] : resp.headers) {
    set_header(headers, name, value);
  }
  if (draining) {
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
  const auto connection = conn.connection;
  lifecycle->unsettled_writes.fetch_add(1);
  writer.send(code, resp.body, mime)
      .then(
          [lifecycle, connection](ssize_t) {
            lifecycle->unsettled_writes.fetch_sub(1);
            connection->outstanding.fetch_sub(1);
          },
          [lifecycle, connection](std::exception_ptr&) {
            // The client went away before the answer was written; nothing else to do.
            lifecycle->unsettled_writes.fetch_sub(1);
            connection->outstanding.fetch_sub(1);
          });
  lifecycle->in_flight.fetch_sub(1);
  record(state, req, route_id, route_label, resp.status);
}

// ---- Event streams (Server-Sent Events, text/event-stream) ----
//
// A stream is a response that does not end: its headers, then one chunk per event, for up to
// StreamOptions::max_lifetime. No thread waits on it. The route's handler checks the caller on
// a worker, as any handler; then the stream is only an entry in EventStreams. One poller thread
// per server reads the state of every open stream's topic in one batch per poll_interval (the
// route's StreamPoll: one query), and hands the bytes to write to the stream's reactor thread.
// Every write, and every touch of Pistache's peer, happens on that thread (Pistache 0.0.5's
// ResponseStream flushes from the calling thread, which is not safe off the reactor:
// docs/libraries.md, item 15).
//
// Pistache 0.0.5 cuts a connection whose request is "still in progress" after the header
// timeout with a 408 (ADR 0003, item 4). An open stream marks its peer idle, which moves it to
// the keep-alive timeout, and restarts that clock with each write (the parser's reset). A
// keep-alive comment goes out at least every keepalive (at most half the keep-alive timeout).

// One open stream. `pending`, `last_data`, `ending` and the clocks are guarded by
// EventStreams::mutex_; `started` and `end_written` are used on the reactor thread only.
struct OpenStream {
  const Route* route = nullptr;
  std::string topic;
  std::string request_id;
  std::weak_ptr<Pistache::Tcp::Peer> peer;
  std::shared_ptr<ConnectionState> connection;
  std::weak_ptr<Dispatcher> reactor;
  Clock::time_point opened_at{};
  Clock::time_point last_queued{};
  std::string last_data;
  std::string pending;  // bytes to write, already framed as chunks
  bool ending = false;  // the last chunk follows `pending`
  bool started = false;
  bool end_written = false;
};

class EventStreams {
 public:
  EventStreams(StreamOptions options, std::shared_ptr<Lifecycle> lifecycle)
      : options_(options), lifecycle_(std::move(lifecycle)) {}
  ~EventStreams() { stop(); }
  EventStreams(const EventStreams&) = delete;
  EventStreams& operator=(const EventStreams&) = delete;
  EventStreams(EventStreams&&) = delete;
  EventStreams& operator=(EventStreams&&) = delete;

  // A slot for a stream about to open; false at max_streams (the caller answers 503).
  bool try_reserve() {
    auto count = reserved_.load();
    while (count < options_.max_streams) {
      if (reserved_.compare_exchange_weak(count, count + 1)) {
        return true;
      }
    }
    return false;
  }
  void release() { reserved_.fetch_sub(1); }
  std::size_t open() const { return reserved_.load(); }

  // The stream is open: its head and first event are queued; the reactor writes them.
  void add(const std::shared_ptr<OpenStream>& stream);
  // Any thread: the poller runs a round now (used when draining, so streams end at once).
  void wake() {
    {
      const std::lock_guard lock(mutex_);
      woken_ = true;
    }
    wakeup_.notify_all();
  }
  void start();
  void stop();
  // Reactor thread: writes what is queued for `stream`; ends it when its last chunk is due.
  void flush(const std::shared_ptr<OpenStream>& stream);

 private:
  void run();
  void round();
  void post_flush(const std::shared_ptr<OpenStream>& stream);
  void forget(const std::shared_ptr<OpenStream>& stream);

  StreamOptions options_;
  std::shared_ptr<Lifecycle> lifecycle_;
  std::atomic<std::size_t> reserved_{0};
  std::mutex mutex_;
  std::condition_variable wakeup_;
  bool woken_ = false;
  bool stopping_ = false;
  std::vector<std::shared_ptr<OpenStream>> streams_;
  std::thread poller_;
};

// What one reactor's last connection sweep found (ADR 0012).
struct SweepResult {
  std::atomic<bool> pending{false};    // a sweep timer is armed and has not fired yet
  std::atomic<std::uint64_t> done{0};  // sweeps completed
  std::atomic<int> open{0};
  std::atomic<int> closing{0};
};

// True when nothing is owed on the connection and nothing of a next request has arrived.
// Reactor thread only. A request line that has only partly arrived is not visible here
// (Pistache keeps its parse buffer private); the idle grace period covers that case.
bool quiescent(const std::shared_ptr<Pistache::Tcp::Peer>& peer, const ConnectionState& conn) {
  if (conn.outstanding.load() != 0) {
    return false;
  }
  const auto parser = P::Handler::getParser(peer);
  if (parser && parser->step()->id() != P::Private::RequestLineStep::Id) {
    return false;  // headers or body of the next request still arriving
  }
  int unread = 0;
  return ::ioctl(peer->fd(), FIONREAD, &unread) == 0 && unread == 0;
}

class Dispatcher final : public P::Handler {
 public:
  using tag = P::details::prototype_tag;

  explicit Dispatcher(std::shared_ptr<Server::State> state) : state_(std::move(state)) {}

  // Pistache clones the handler for each reactor thread (a copy keeps the limits it set on the
  // prototype). The server keeps a list of the clones to sweep their connections when draining.
  std::shared_ptr<Pistache::Tcp::Handler> clone() const override {
    auto copy = std::make_shared<Dispatcher>(*this);
    copy->sweep_ = std::make_shared<SweepResult>();
    copy->tasks_ = std::make_shared<TaskQueue>();
    copy->self_ = copy;
    const std::lock_guard lock(state_->reactors_mutex);
    state_->reactors.push_back(copy);
    return copy;
  }

  // Runs on the reactor thread that owns the connection. Each step either answers the request
  // (and returns nothing/false) or hands it on to the next one.
  void onRequest(const P::Request& preq, P::ResponseWriter writer) override {
    const auto received_at = std::chrono::steady_clock::now();
    if (connection_for(writer.peer())->shut) {
      // We already said Connection: close and sent FIN (or the connection sat idle through the
      // drain's grace period); a client that still sends gets no answer.
      return;
    }
    const DirectWrite conn = accept_request(preq, writer);
    auto req = read_request(preq, writer, conn, received_at);
    if (!req || refused_before_routing(*req, writer, conn)) {
      return;
    }
    if (req->method == Method::Options && answered_options(*req, writer, conn)) {
      return;
    }
    const Route* route = match_route(*req, writer, conn);
    if (route == nullptr || answered_on_reactor(*route, *req, writer, conn)) {
      return;
    }
    if (route->execution == Execution::Stream) {
      open_stream(*route, std::move(*req), std::move(writer), conn);
      return;
    }
    hand_to_worker(*route, std::move(*req), std::move(writer), conn);
  }

  // Any thread. Runs `task` on this dispatcher's reactor thread, soon (a one-shot timer armed
  // on its transport, as for the drain's sweeps); tasks posted before it fires run together.
  void post(std::function<void()> task) {
    {
      const std::lock_guard lock(tasks_->mutex);
      tasks_->tasks.push_back(std::move(task));
      if (tasks_->armed) {
        return;
      }
      tasks_->armed = true;
    }
    const int timer = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (timer < 0) {
      const std::lock_guard lock(tasks_->mutex);
      tasks_->armed = false;  // the next post tries again
      return;
    }
    Pistache::Async::Deferred<std::uint64_t> deferred;
    Pistache::Async::Promise<std::uint64_t> fired(
        [&deferred](Pistache::Async::Deferred<std::uint64_t> d) { deferred = std::move(d); });
    const auto queue = tasks_;
    const auto run = [timer, queue] {
      ::close(timer);
      std::vector<std::function<void()>> tasks;
      {
        const std::lock_guard lock(queue->mutex);
        tasks.swap(queue->tasks);
        queue->armed = false;
      }
      for (auto& t : tasks) {
        t();
      }
    };
    fired.then([run](std::uint64_t) { run(); }, [run](std::exception_ptr&) { run(); });
    transport()->armTimer(timer, std::chrono::milliseconds(1), std::move(deferred));
  }

  // Any thread. Arms a one-shot timer on this dispatcher's reactor thread; sweep() runs there
  // when it fires, as every use of Pistache's peers must. At most one is pending at a time.
  void request_sweep() {
    if (sweep_->pending.exchange(true)) {
      return;
    }
    const int timer = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (timer < 0) {
      sweep_->pending.store(false);
      return;
    }
    // Pistache resolves a timer's promise on the reactor thread. The continuation is attached
    // before the timer is handed over, so it cannot run on this thread instead.
    Pistache::Async::Deferred<std::uint64_t> deferred;
    Pistache::Async::Promise<std::uint64_t> fired(
        [&deferred](Pistache::Async::Deferred<std::uint64_t> d) { deferred = std::move(d); });
    const auto result = sweep_;
    fired.then(
        [this, timer, result](std::uint64_t) {
          ::close(timer);  // Pistache forgets it after this callback; closing drops it from epoll
          result->pending.store(false);
          sweep();
        },
        [timer, result](std::exception_ptr&) {
          ::close(timer);
          result->pending.store(false);
        });
    transport()->armTimer(timer, std::chrono::milliseconds(1), std::move(deferred));
  }

  const SweepResult& sweep_result() const { return *sweep_; }

 private:
  // Reactor thread only. Shuts down the write side (FIN) of every quiescent connection that
  // was told to close, or that stayed idle through the grace period. Pistache keeps reading:
  // the client's own close (or anything it still sends) is read, so the socket is closed with
  // nothing unread and no RST. Counts what is left for wait_drained.
  void sweep() {
    const bool grace_over = Clock::now() >= state_->idle_deadline.load();
    int open = 0;
    int closing = 0;
    for (const auto& peer : transport()->getAllPeer()) {
      const auto conn = connection_for(peer);
      if (!conn->shut && quiescent(peer, *conn) && (conn->told_to_close.load() || grace_over)) {
        ::shutdown(peer->fd(), SHUT_WR);
        conn->shut = true;
      }
      ++(conn->shut ? closing : open);
    }
    sweep_->open.store(open);
    sweep_->closing.store(closing);
    sweep_->done.fetch_add(1);
  }

  // Counts the request as in flight on the server and on its connection, and fixes Pistache's
  // Connection header.
  DirectWrite accept_request(const P::Request& preq, P::ResponseWriter& writer) {
    // Pistache 0.0.5 answers "Connection: close" when an HTTP/1.1 request has no Connection
    // header, although 1.1 is persistent by default (ADR 0003, item 1): put it right.
    if (preq.version() == P::Version::Http11 && !preq.headers().has<P::Header::Connection>()) {
      writer.headers().remove<P::Header::Connection>();
      writer.headers().add<P::Header::Connection>(P::ConnectionControl::KeepAlive);
    }
    state_->lifecycle->in_flight.fetch_add(1);

    DirectWrite conn;
    conn.peer = writer.peer();
    conn.connection = connection_for(conn.peer);
    conn.connection->outstanding.fetch_add(1);
    conn.http10 = preq.version() == P::Version::Http10;
    const auto connection = preq.headers().tryGet<P::Header::Connection>();
    conn.close = connection ? connection->control() == P::ConnectionControl::Close : conn.http10;
    return conn;
  }

  // Our copy of Pistache's request, or nothing when it could not be read (already answered).
  std::optional<Request> read_request(const P::Request& preq, P::ResponseWriter& writer,
                                      const DirectWrite& conn,
                                      std::chrono::steady_clock::time_point received_at) {
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
      return std::nullopt;
    }
    req.received_at = received_at;
    return req;
  }

  void answer_error(const Request& req, P::ResponseWriter& writer, const DirectWrite& conn,
                    const core::AppError& error) {
    finish(state_, writer, req, kUnmatched, kUnmatchedLabel,
           error_response(std::make_exception_ptr(error), req), conn);
  }

  // The answers that do not depend on the route. A request that arrives while draining is
  // served like any other (its client sent it before it could know): it is answered with
  // Connection: close, and the connection is shut down after the answer (ADR 0012).
  bool refused_before_routing(const Request& req, P::ResponseWriter& writer,
                              const DirectWrite& conn) {
    if (req.body.size() > state_->max_body_bytes) {
      answer_error(req, writer, conn, core::AppError::payload_too_large(state_->max_body_bytes));
      return true;
    }
    return false;
  }

  // OPTIONS on a known path: 204 with Allow, and for a CORS preflight from an allowed origin the
  // methods and headers it may use (finish() adds the origin itself). A preflight from another
  // origin gets 403. False when a route handles OPTIONS itself or the path is unknown (routing
  // then answers 404).
  bool answered_options(const Request& req, P::ResponseWriter& writer, const DirectWrite& conn) {
    RouteMatch match;
    try {
      match = state_->router.match(Method::Options, req.path);
    } catch (...) {
      return false;  // routing answers the malformed path
    }
    if (match.kind != RouteMatch::Kind::MethodNotAllowed) {
      return false;
    }
    const auto allow = match.allow + ", OPTIONS";
    const auto origin = req.header("origin");
    const bool preflight = origin && req.header("access-control-request-method");
    if (preflight && !state_->cors.allows(*origin)) {
      finish(state_, writer, req, kOptions, kOptionsLabel,
             error_response(std::make_exception_ptr(core::AppError::forbidden(
                                "Cross-origin requests from this origin are not allowed.")),
                            req),
             conn);
      return true;
    }
    auto resp = Response::empty(204);
    resp.headers.emplace_back("Allow", allow);
    if (preflight) {
      resp.headers.emplace_back("Access-Control-Allow-Methods", allow);
      resp.headers.emplace_back("Access-Control-Allow-Headers",
                                std::string(CorsPolicy::kAllowHeaders));
      resp.headers.emplace_back("Access-Control-Max-Age", std::string(CorsPolicy::kMaxAgeSeconds));
    }
    finish(state_, writer, req, kOptions, kOptionsLabel, resp, conn);
    return true;
  }

  // The matched route with the path parameters stored in req, or nullptr after a 404/405.
  const Route* match_route(Request& req, P::ResponseWriter& writer, const DirectWrite& conn) {
    RouteMatch match;
    try {
      match = state_->router.match(req.method, req.path);
      if (req.method == Method::Head && match.kind == RouteMatch::Kind::MethodNotAllowed) {
        // HEAD is the GET of an Inline route (health, metrics, the docs and the API
        // description) without its body; answered_on_reactor drops the body. Worker routes
        // keep 405: their answers go through Pistache's writer, which cannot send a HEAD.
        auto get = state_->router.match(Method::Get, req.path);
        if (get.kind == RouteMatch::Kind::Found && get.route->execution == Execution::Inline) {
          match = std::move(get);
        }
      }
    } catch (...) {
      finish(state_, writer, req, kUnmatched, kUnmatchedLabel,
             error_response(std::current_exception(), req), conn);
      return nullptr;
    }
    if (match.kind == RouteMatch::Kind::NotFound && answered_by_web_app(req, writer, conn)) {
      return nullptr;
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
      answer_error(req, writer, conn, error);
      return nullptr;
    }
    req.route = match.route->path_template;
    req.params = std::move(match.params);
    return match.route;
  }

  // A GET or HEAD no route matched, outside the API's paths: a file of the web app's build, or
  // its index.html for a deep link (serve_web_app). Memory only, so on the reactor thread.
  bool answered_by_web_app(const Request& req, P::ResponseWriter& writer, const DirectWrite& conn) {
    if (!state_->web_app) {
      return false;
    }
    auto resp = serve_web_app(*state_->web_app, req);
    if (!resp) {
      return false;
    }
    finish(state_, writer, req, kWebApp, kWebAppLabel, *resp, conn);
    return true;
  }

  // Inline routes, and fast-path hits (read-cache hits), are answered here without the
  // hand-off to a worker and back.
  bool answered_on_reactor(const Route& route, Request& req, P::ResponseWriter& writer,
                           const DirectWrite& conn) {
    if (route.execution == Execution::Inline) {
      auto resp = invoke(route, req);
      if (req.method == Method::Head && !resp.head_content_length) {
        resp.head_content_length = resp.body.size();
        resp.body.clear();
      }
      finish(state_, writer, req, route.id, route.path_template, resp, conn);
      return true;
    }
    if (route.fast_path) {
      auto resp = invoke_fast_path(route, req);
      if (resp) {
        finish(state_, writer, req, route.id, route.path_template, *resp, conn);
        return true;
      }
    }
    return false;
  }

  // Moves the writer and our copy of the request to a worker (never Pistache's request: it is
  // reused as soon as onRequest returns), or to the route's deferred path when that takes it.
  void hand_to_worker(const Route& route, Request req, P::ResponseWriter writer,
                      const DirectWrite& conn) {
    DirectWrite queued_only = conn;
    queued_only.peer.reset();  // workers never write to the socket themselves
    auto job =
        std::make_shared<WorkerJob>(WorkerJob{std::move(req), std::move(writer), queued_only});
    if (route.deferred && taken_by_deferred_path(state_, route, job)) {
      return;
    }
    submit_to_worker(state_, route, job, conn);
  }

  struct WorkerJob {
    Request req;
    P::ResponseWriter writer;
    DirectWrite conn;  // without the peer: answers go through Pistache's queue
  };

  // Any thread. A full queue is answered at once with 503 (written directly when `conn` has
  // the peer, that is on the reactor thread).
  static void submit_to_worker(const std::shared_ptr<Server::State>& state, const Route& route,
                               const std::shared_ptr<WorkerJob>& job, const DirectWrite& conn) {
    const bool queued = state->workers->try_submit([state, job, &route] {
      const auto resp = invoke(route, job->req);
      finish(state, job->writer, job->req, route.id, route.path_template, resp, job->conn);
    });
    if (!queued) {
      finish(state, job->writer, job->req, route.id, route.path_template,
             error_response(std::make_exception_ptr(core::AppError::unavailable(
                                "The server is busy; retry shortly.", core::busy_retry_after())),
                            job->req),
             conn);
    }
  }

  // The route's DeferredPath, on the reactor thread. When it takes the request, the answer it
  // gives later (from any thread) is made and sent like a worker's, or an empty one sends the
  // request to a worker. What it throws sends the request to a worker at once.
  static bool taken_by_deferred_path(const std::shared_ptr<Server::State>& state,
                                     const Route& route, const std::shared_ptr<WorkerJob>& job) {
    auto later = [state, job, &route](const Answer& answer) {
      if (!answer) {
        submit_to_worker(state, route, job, job->conn);
        return;
      }
      Response resp;
      try {
        resp = answer();
      } catch (...) {
        resp = error_response(std::current_exception(), job->req);
      }
      finish(state, job->writer, job->req, route.id, route.path_template, resp, job->conn);
    };
    try {
      return route.deferred(job->req, std::move(later));
    } catch (...) {
      return false;
    }
  }

  // A Server-Sent Events route: the handler checks the caller on a worker; then the stream is
  // registered with EventStreams, which writes its head and events on this reactor thread.
  // Beyond max_streams, or while draining, the answer is 503 with Retry-After.
  void open_stream(const Route& route, Request req, P::ResponseWriter writer,
                   const DirectWrite& conn) {
    auto* streams = state_->streams.get();
    if (conn.http10) {
      answer_error(req, writer, conn,
                   core::AppError::bad_request("Event streams need HTTP/1.1 (chunked)."));
      return;
    }
    if (state_->lifecycle->draining.load() || streams == nullptr || !streams->try_reserve()) {
      answer_error(req, writer, conn,
                   core::AppError::unavailable(
                       "Too many event streams on this server, or it is shutting down; retry "
                       "shortly (or poll the resource).",
                       5));
      return;
    }
    struct Job {
      Request req;
      P::ResponseWriter writer;
      DirectWrite conn;
      std::weak_ptr<Pistache::Tcp::Peer> peer;
    };
    DirectWrite queued_only = conn;
    queued_only.peer.reset();
    auto job =
        std::make_shared<Job>(Job{std::move(req), std::move(writer), queued_only, conn.peer});
    const auto state = state_;
    const std::weak_ptr<Dispatcher> reactor = self_;
    const bool queued = state_->workers->try_submit([state, job, &route, reactor] {
      StreamOpening opening;
      try {
        opening = route.stream(job->req);
      } catch (...) {
        state->streams->release();
        finish(state, job->writer, job->req, route.id, route.path_template,
               error_response(std::current_exception(), job->req), job->conn);
        return;
      }
      auto stream = std::make_shared<OpenStream>();
      stream->route = &route;
      stream->topic = std::move(opening.topic);
      stream->request_id = job->req.request_id;
      stream->peer = job->peer;
      stream->connection = job->conn.connection;
      stream->reactor = reactor;
      stream->opened_at = Clock::now();
      stream->last_queued = stream->opened_at;
      stream->last_data = opening.first.data;
      stream->pending = stream_head(state, job->req, job->conn) +
                        http_chunk("retry: 3000\n\n" + sse_event(opening.first));
      stream->ending = opening.first.last;
      state->lifecycle->in_flight.fetch_sub(1);  // answered: the rest is the stream's
      record(state, job->req, route.id, route.path_template, 200);
      state->streams->add(stream);
    });
    if (!queued) {
      streams->release();
      finish(state_, job->writer, job->req, route.id, route.path_template,
             error_response(std::make_exception_ptr(core::AppError::unavailable(
                                "The server is busy; retry shortly.", 1)),
                            job->req),
             conn);
    }
  }

  // The response head of an event stream: chunked, never cached, never buffered by a proxy.
  static std::string stream_head(const std::shared_ptr<Server::State>& state, const Request& req,
                                 const DirectWrite& conn) {
    std::string head =
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: text/event-stream\r\n"
        "Cache-Control: no-cache\r\n"
        "X-Accel-Buffering: no\r\n"
        "Transfer-Encoding: chunked\r\n";
    head += conn.close ? "Connection: Close\r\n" : "Connection: Keep-Alive\r\n";
    head += "X-Request-Id: " + req.request_id + "\r\n";
    if (state->cors.enabled()) {
      head += "Vary: Origin\r\n";
      const auto origin = req.header("origin");
      if (origin && state->cors.allows(*origin)) {
        head += "Access-Control-Allow-Origin: " + std::string(*origin) + "\r\n";
        head +=
            "Access-Control-Expose-Headers: " + std::string(CorsPolicy::kExposeHeaders) + "\r\n";
      }
    }
    head += "\r\n";
    return head;
  }

  struct TaskQueue {
    std::mutex mutex;
    std::vector<std::function<void()>> tasks;
    bool armed = false;  // a timer is armed and has not fired yet
  };

  std::shared_ptr<Server::State> state_;
  std::shared_ptr<SweepResult> sweep_ = std::make_shared<SweepResult>();
  std::shared_ptr<TaskQueue> tasks_ = std::make_shared<TaskQueue>();
  std::weak_ptr<Dispatcher> self_;
};

void EventStreams::start() {
  poller_ = std::thread([this] { run(); });
}

void EventStreams::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wakeup_.notify_all();
  if (poller_.joinable()) {
    poller_.join();
  }
}

void EventStreams::add(const std::shared_ptr<OpenStream>& stream) {
  {
    const std::lock_guard lock(mutex_);
    streams_.push_back(stream);
  }
  post_flush(stream);
}

void EventStreams::post_flush(const std::shared_ptr<OpenStream>& stream) {
  auto reactor = stream->reactor.lock();
  if (!reactor) {
    forget(stream);
    return;
  }
  reactor->post([this, stream] { flush(stream); });
}

void EventStreams::forget(const std::shared_ptr<OpenStream>& stream) {
  const std::lock_guard lock(mutex_);
  const auto it = std::find(streams_.begin(), streams_.end(), stream);
  if (it != streams_.end()) {
    streams_.erase(it);
    reserved_.fetch_sub(1);
  }
}

void EventStreams::flush(const std::shared_ptr<OpenStream>& stream) {
  std::string bytes;
  bool end = false;
  {
    const std::lock_guard lock(mutex_);
    bytes.swap(stream->pending);
    end = stream->ending && !stream->end_written;
    stream->end_written = stream->end_written || end;
  }
  const auto peer = stream->peer.lock();
  if (!peer) {
    forget(stream);  // the client went away
    return;
  }
  if (end) {
    bytes += kLastChunk;
    forget(stream);
    if (lifecycle_->draining.load()) {
      stream->connection->told_to_close.store(true);  // shut it down once written (ADR 0012)
    }
  }
  if (!bytes.empty()) {
    const auto size = bytes.size();
    auto sent = peer->send(Pistache::RawBuffer(std::move(bytes), size));
    if (end) {
      const auto lifecycle = lifecycle_;
      const auto connection = stream->connection;
      lifecycle->unsettled_writes.fetch_add(1);
      sent.then(
          [lifecycle, connection](ssize_t) {
            connection->outstanding.fetch_sub(1);
            lifecycle->unsettled_writes.fetch_sub(1);
          },
          [lifecycle, connection](std::exception_ptr&) {
            connection->outstanding.fetch_sub(1);
            lifecycle->unsettled_writes.fetch_sub(1);
          });
    } else {
      sent.then([](ssize_t) {}, [](std::exception_ptr&) {});
    }
  }
  // Out of Pistache's "request in progress" state, and its keep-alive clock restarted: the
  // stream is an idle connection to it, written to from this side (see the block comment).
  peer->setIdle(true);
  const auto parser = P::Handler::getParser(peer);
  int unread = 0;
  if (parser && parser->step()->id() == P::Private::RequestLineStep::Id &&
      ::ioctl(peer->fd(), FIONREAD, &unread) == 0 && unread == 0) {
    parser->reset();
  }
  stream->started = true;
}

void EventStreams::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wakeup_.wait_for(lock, options_.poll_interval, [this] { return stopping_ || woken_; });
    woken_ = false;
    if (stopping_ || streams_.empty()) {
      continue;
    }
    lock.unlock();
    try {
      round();
    } catch (const std::exception& e) {
      core::log::warn("event streams: a poll round failed", {{"error", e.what()}});
    }
    lock.lock();
  }
}

// One poll round: the current event of every topic, one batch per route; queue what changed,
// keep-alive comments and the ends; then let the reactors write.
void EventStreams::round() {
  std::vector<std::shared_ptr<OpenStream>> streams;
  {
    const std::lock_guard lock(mutex_);
    streams = streams_;
  }
  std::map<const Route*, std::vector<std::string>> topics;
  for (const auto& s : streams) {
    auto& list = topics[s->route];
    if (std::find(list.begin(), list.end(), s->topic) == list.end()) {
      list.push_back(s->topic);
    }
  }
  std::map<const Route*, std::map<std::string, StreamEvent>> current;
  for (const auto& [route, list] : topics) {
    try {
      current[route] = route->poll(list);
    } catch (const std::exception& e) {
      // The database is away: streams keep their last state and their keep-alives.
      core::log::warn("event streams: poll failed",
                      {{"route", route->path_template}, {"error", e.what()}});
    }
  }
  const auto now = Clock::now();
  const bool draining = lifecycle_->draining.load();
  std::vector<std::shared_ptr<OpenStream>> to_flush;
  {
    const std::lock_guard lock(mutex_);
    for (const auto& s : streams) {
      if (s->ending) {
        continue;
      }
      const auto& events = current[s->route];
      const auto it = events.find(s->topic);
      if (it != events.end() && it->second.data != s->last_data) {
        s->pending += http_chunk(sse_event(it->second));
        s->last_data = it->second.data;
        s->last_queued = now;
        s->ending = it->second.last;
      }
      if (!s->ending && (draining || now - s->opened_at >= options_.max_lifetime)) {
        s->ending = true;
      }
      if (!s->ending && now - s->last_queued >= options_.keepalive) {
        s->pending += http_chunk(sse_comment("keep-alive"));
        s->last_queued = now;
      }
      if (!s->pending.empty() || s->ending) {
        to_flush.push_back(s);
      }
    }
  }
  for (const auto& s : to_flush) {
    post_flush(s);
  }
}

// Pistache 0.0.5 does not expose its listening socket; it is the one socket of this process
// that listens on our port.
int find_listening_socket(std::uint16_t port) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    int fd = -1;
    try {
      fd = std::stoi(entry.path().filename().string());
    } catch (const std::exception&) {
      continue;
    }
    int listening = 0;
    socklen_t len = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || listening == 0) {
      continue;
    }
    sockaddr_storage addr{};
    socklen_t addr_len = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &addr_len) != 0) {
      continue;
    }
    std::uint16_t bound = 0;
    if (addr.ss_family == AF_INET) {
      bound = ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
    } else if (addr.ss_family == AF_INET6) {
      bound = ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
    }
    if (bound == port) {
      return fd;
    }
  }
  return -1;
}

// Connections the kernel has completed on a listening socket and nobody has accepted yet.
unsigned accept_queue_length(int listen_fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  if (::getsockopt(listen_fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) {
    return 0;
  }
  return info.tcpi_unacked;  // for a listening socket: the accept queue's length
}

}  // namespace

Server::Server(ServerOptions options, Router router, WorkerPool& workers, Metrics& metrics,
               std::shared_ptr<Lifecycle> lifecycle)
    : state_(std::make_shared<State>()), options_(std::move(options)) {
  state_->lifecycle = std::move(lifecycle);
  state_->router = std::move(router);
  state_->workers = &workers;
  state_->metrics = &metrics;
  state_->max_body_bytes = options_.max_body_bytes;
  state_->cors = options_.cors;
  state_->request_counter = options_.request_counter;
  state_->web_app = options_.web_app;
  // A keep-alive comment at least twice per keep-alive timeout: the stream's connection is
  // "idle" to Pistache, which would otherwise close it (see "Event streams").
  auto stream_options = options_.streams;
  stream_options.keepalive = std::min(
      stream_options.keepalive,
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.keepalive_timeout) / 2);
  state_->streams = std::make_shared<EventStreams>(stream_options, state_->lifecycle);
}

Server::~Server() {
  state_->streams->stop();
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
  state_->streams->start();
  port_ = static_cast<std::uint16_t>(endpoint_->getPort());
  listen_fd_ = find_listening_socket(port_);
  if (listen_fd_ < 0) {
    core::log::warn("listening socket not found; shutdown will not refuse new connections early");
  }
}

std::uint16_t Server::port() const {
  return port_;
}

void Server::begin_drain() {
  stop_accepting();
  state_->idle_deadline.store(Clock::now() + options_.drain_idle_grace);
  state_->lifecycle->draining.store(true);
  state_->streams->wake();  // every open event stream ends now (ADR 0012)
}

// Pistache 0.0.5 can stop its listener only together with every connection. To refuse new
// connections while the open ones drain, we take the listening socket from under it:
// 1. a socket filter drops incoming SYNs, so no new handshake starts (those clients retry
//    after about a second and then find the port closed: a clean refusal). Handshakes already
//    under way still complete; accepted sockets inherit the filter, which only drops SYNs;
// 2. wait (bounded) until Pistache has accepted every completed connection, because closing a
//    listening socket resets the connections still in its queue;
// 3. dup2 a fresh, unbound socket over the listening fd: the listening socket closes (the port
//    refuses) and leaves Pistache's epoll set, while the fd number stays valid until Pistache
//    closes it itself. An accept() that still runs on it fails with EINVAL, which Pistache
//    logs and ignores.
void Server::stop_accepting() {
  if (listen_fd_ < 0) {
    return;
  }
  std::array<sock_filter, 4> drop_syn{{
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),            // TCP flags (data starts at TCP header)
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x02, 0, 1),  // SYN set?
      BPF_STMT(BPF_RET | BPF_K, 0),                      // yes: drop
      BPF_STMT(BPF_RET | BPF_K, 0xFFFFFFFF),             // no: keep the whole packet
  }};
  const sock_fprog program{static_cast<unsigned short>(drop_syn.size()), drop_syn.data()};
  if (::setsockopt(listen_fd_, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) != 0) {
    core::log::warn("could not filter new connections", {{"errno", errno}});
  }
  // Twice empty, a few milliseconds apart: a handshake that was under way has landed.
  const auto deadline = Clock::now() + std::chrono::seconds(1);
  int empty = 0;
  while (empty < 2 && Clock::now() < deadline) {
    empty = accept_queue_length(listen_fd_) == 0 ? empty + 1 : 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const int placeholder = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (placeholder < 0 || ::dup3(placeholder, listen_fd_, O_CLOEXEC) < 0) {
    core::log::warn("could not close the listening socket", {{"errno", errno}});
  }
  if (placeholder >= 0) {
    ::close(placeholder);
  }
  listen_fd_ = -1;
}

bool Server::draining() const {
  return state_->lifecycle->draining.load();
}

// One sweep on every reactor thread, waited for; nothing if the deadline came first.
std::optional<Server::DrainRound> Server::sweep_connections(Clock::time_point deadline) {
  std::vector<std::shared_ptr<Dispatcher>> reactors;
  {
    const std::lock_guard lock(state_->reactors_mutex);
    for (const auto& weak : state_->reactors) {
      if (auto reactor = weak.lock()) {
        reactors.push_back(std::move(reactor));
      }
    }
  }
  std::vector<std::uint64_t> before;
  before.reserve(reactors.size());
  for (const auto& reactor : reactors) {
    before.push_back(reactor->sweep_result().done.load());
    reactor->request_sweep();
  }
  DrainRound round;
  for (std::size_t i = 0; i < reactors.size(); ++i) {
    const auto& result = reactors[i]->sweep_result();
    while (result.done.load() == before[i]) {
      if (Clock::now() >= deadline) {
        return std::nullopt;
      }
      reactors[i]->request_sweep();  // no-op while one is pending
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    round.open += result.open.load();
    round.closing += result.closing.load();
  }
  return round;
}

bool Server::wait_drained(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  // Every request answered and every connection shut down on our side, seen in two rounds in
  // a row (a connection accepted just before the listener closed may reach its reactor late).
  int settled_rounds = 0;
  bool drained = false;
  while (!drained) {
    const auto round = sweep_connections(deadline);
    if (!round) {
      return false;
    }
    const bool settled = round->open == 0 && state_->lifecycle->in_flight.load() == 0;
    settled_rounds = settled ? settled_rounds + 1 : 0;
    drained = settled_rounds >= 2;
    if (!drained) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  // Clients close their side once they have read our FIN; give them a moment to, so that the
  // last close is theirs. One that does not is closed with the process.
  const auto linger = std::min(deadline, Clock::now() + std::chrono::seconds(1));
  for (;;) {
    const auto round = sweep_connections(linger);
    if (!round || round->closing == 0) {
      break;
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
  state_->streams->stop();
  if (endpoint_) {
    endpoint_->shutdown();
    endpoint_.reset();
  }
}

std::size_t Server::open_streams() const {
  return state_->streams->open();
}

}  // namespace tiket::http
