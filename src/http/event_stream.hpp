#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "http/message.hpp"

namespace tiket::http {

// Server-Sent Events (text/event-stream) on top of our Pistache server, for routes that push
// state changes to a browser (GET /api/bookings/{code}/events). Framing and transport live
// here and in server.cpp; the domain only names a topic and says what its current state is.

// One event: `event: <name>` and `data: <data>` (data on one line, e.g. compact JSON).
struct StreamEvent {
  std::string name;
  std::string data;
  bool last = false;  // the stream ends after this event (a terminal state)
};

// What a stream route's handler returns after it has checked the caller (on a worker; it
// throws AppError for 4xx answers, as any handler): the topic to watch and the first event.
struct StreamOpening {
  std::string topic;
  StreamEvent first;
};
using StreamHandler = std::function<StreamOpening(Request&)>;

// The current event of every topic in `topics`, in one batch (one query for all the streams
// open on this replica). A topic missing from the answer keeps its last event. Runs on the
// stream poller thread, never on a reactor or a worker.
using StreamPoll =
    std::function<std::map<std::string, StreamEvent>(const std::vector<std::string>& topics)>;

struct StreamOptions {
  std::chrono::milliseconds poll_interval{500};    // SSE_POLL_INTERVAL_MS
  std::chrono::milliseconds keepalive{15000};      // a `: keep-alive` comment after this silence
  std::chrono::milliseconds max_lifetime{600000};  // SSE_MAX_LIFETIME_S; the client reconnects
  std::size_t max_streams = 1000;                  // SSE_MAX_STREAMS per replica; beyond: 503
};

// The wire format of one event and of a comment, each as one HTTP/1.1 chunk.
std::string sse_event(const StreamEvent& event);
std::string sse_comment(std::string_view text);
std::string http_chunk(std::string_view payload);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace tiket::http
