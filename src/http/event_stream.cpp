#include "http/event_stream.hpp"

#include <fmt/format.h>

namespace tiket::http {

std::string sse_event(const StreamEvent& event) {
  std::string out;
  out.reserve(event.name.size() + event.data.size() + 16);
  out += "event: ";
  out += event.name;
  out += "\ndata: ";
  // One `data:` line per line of data (a newline inside would end the field).
  for (const char c : event.data) {
    if (c == '\n') {
      out += "\ndata: ";
    } else if (c != '\r') {
      out += c;
    }
  }
  out += "\n\n";
  return out;
}

std::string sse_comment(std::string_view text) {
  return fmt::format(": {}\n\n", text);
}

std::string http_chunk(std::string_view payload) {
  return fmt::format("{:x}\r\n{}\r\n", payload.size(), payload);
}

}  // namespace tiket::http
