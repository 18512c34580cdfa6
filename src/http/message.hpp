#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "identity/principal.hpp"

namespace tiket::http {

enum class Method : std::uint8_t { Get, Head, Post, Put, Patch, Delete, Options, Other };

std::string_view to_string(Method method);

using NameValues = std::vector<std::pair<std::string, std::string>>;

// Everything a handler may read, copied out of Pistache's request so that it can travel to a
// worker thread (Pistache reuses its request object as soon as onRequest returns).
struct Request {
  Method method = Method::Get;
  std::string path;        // as received, without the query string
  std::string route;       // the route template that matched, e.g. /api/users/{id}
  std::string request_id;  // echoed from X-Request-Id or generated
  std::string remote_ip;   // the socket peer; proxies are handled by whoever needs it
  NameValues params;       // path parameters, percent-decoded
  NameValues query;        // query parameters, percent-decoded
  NameValues headers;      // lower-case names
  std::string body;
  std::optional<std::int64_t> user_id;  // set by authentication, logged with the request
  // The caller whose token Authenticator verified for this request: a first look on the reactor
  // thread and the worker's handler then verify the signature once between them.
  std::optional<identity::Principal> principal;
  std::chrono::steady_clock::time_point received_at{};

  std::optional<std::string_view> header(std::string_view lower_name) const;
  std::optional<std::string_view> query_param(std::string_view name) const;
  std::optional<std::string_view> param(std::string_view name) const;

  // Parses the body as JSON. Throws AppError 415 when the content type is not JSON and 400
  // when the body is empty or malformed.
  nlohmann::json json_body() const;
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  NameValues headers;
  // A HEAD answer: the Content-Length the GET would have; `body` stays empty and nothing
  // follows the headers.
  std::optional<std::size_t> head_content_length;

  static Response json(int status, const nlohmann::json& body);
  static Response empty(int status);
  static Response text(int status, std::string body, std::string content_type);
};

}  // namespace tiket::http
