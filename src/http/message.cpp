#include "http/message.hpp"

#include "core/errors.hpp"

namespace tiket::http {

namespace {
std::optional<std::string_view> find(const NameValues& values, std::string_view name) {
  for (const auto& [k, v] : values) {
    if (k == name) {
      return std::string_view(v);
    }
  }
  return std::nullopt;
}

bool is_json_media_type(std::string_view content_type) {
  const auto semi = content_type.find(';');
  auto media = content_type.substr(0, semi);
  while (!media.empty() && media.back() == ' ') {
    media.remove_suffix(1);
  }
  std::string lower(media);
  for (auto& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return lower == "application/json" ||
         (lower.starts_with("application/") && lower.ends_with("+json"));
}
}  // namespace

std::string_view to_string(Method method) {
  switch (method) {
    case Method::Get:
      return "GET";
    case Method::Head:
      return "HEAD";
    case Method::Post:
      return "POST";
    case Method::Put:
      return "PUT";
    case Method::Patch:
      return "PATCH";
    case Method::Delete:
      return "DELETE";
    case Method::Options:
      return "OPTIONS";
    case Method::Other:
      return "OTHER";
  }
  return "OTHER";
}

std::optional<std::string_view> Request::header(std::string_view lower_name) const {
  return find(headers, lower_name);
}

std::optional<std::string_view> Request::query_param(std::string_view name) const {
  return find(query, name);
}

std::optional<std::string_view> Request::param(std::string_view name) const {
  return find(params, name);
}

nlohmann::json Request::json_body() const {
  const auto content_type = header("content-type");
  if (!content_type || !is_json_media_type(*content_type)) {
    throw core::AppError(core::ProblemKind::unsupported_media_type,
                         "The request body must be JSON (Content-Type: application/json).");
  }
  if (body.empty()) {
    throw core::AppError::bad_request("The request body is empty; a JSON object is expected.",
                                      {{"body", "required"}});
  }
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    // Only the position: the parser's own message quotes the input back.
    throw core::AppError::bad_request(
        "The request body is not valid JSON.",
        {{"body", "malformed JSON at byte " + std::to_string(e.byte)}});
  } catch (const nlohmann::json::out_of_range&) {
    // A number such as 1e400 that no double holds is out_of_range, not a parse_error.
    throw core::AppError::bad_request("The request body is not valid JSON.",
                                      {{"body", "a number is out of range"}});
  }
}

Response Response::json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::empty(int status) {
  Response r;
  r.status = status;
  r.content_type.clear();
  return r;
}

Response Response::text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

}  // namespace tiket::http
