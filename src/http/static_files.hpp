#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace tiket::http {

// One file served as it is: the API description and the Swagger UI assets behind /docs, or a
// file of the web app's build.
struct StaticFile {
  std::string body;
  std::string content_type;
  std::string etag;           // strong, from the content: "<size>-<hash>"
  std::string cache_control;  // see StaticKind
  NameValues headers;         // security headers of its kind (static_security_headers)
};

// Which folder: it decides caching and the security headers.
// - docs (STATIC_DIR): `no-cache` for pages, the initializer and the API description, an hour
//   for the Swagger UI assets; a Content-Security-Policy that Swagger UI can live with.
// - web_app (WEB_DIR, Vite's build): `public, max-age=31536000, immutable` under `assets/`
//   (Vite puts a content hash in every name there), `no-cache` for everything else
//   (index.html, favicon); the strict policy.
enum class StaticKind { docs, web_app };

// The headers every file of `kind` is served with: Content-Security-Policy (no inline script;
// only same-origin scripts, styles, fonts and fetches; images also from data: URLs; no
// framing), X-Content-Type-Options, Referrer-Policy and X-Frame-Options.
const NameValues& static_security_headers(StaticKind kind);

// The files of one folder (STATIC_DIR), read once at start-up and kept in memory, so a
// request never touches the disk and never resolves a path: it can only name a file that was
// found inside the folder. Loading follows the folder's symlinks only where they stay inside it;
// one that leads out (or a file that cannot be read) is skipped with a warning.
class StaticFiles {
 public:
  StaticFiles() = default;
  // A missing folder gives an empty set (the routes then answer 404); the service still runs.
  static StaticFiles load(const std::filesystem::path& root, StaticKind kind = StaticKind::docs);

  // The file at `relative` ("docs/index.html"), or nullptr. A name that could leave the folder
  // (an empty, `.` or `..` segment, a backslash, a NUL, a leading slash) is never found.
  const StaticFile* find(std::string_view relative) const;

  std::size_t size() const { return files_.size(); }
  bool empty() const { return files_.empty(); }
  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
  std::map<std::string, StaticFile, std::less<>> files_;
};

// True when `relative` is a plain relative path of non-empty segments, none of them `.` or `..`,
// without backslashes or control characters.
bool is_confined_name(std::string_view relative);

std::string content_type_for(std::string_view filename);

// 200 with the file, or 304 without a body when If-None-Match names its ETag. Both carry ETag,
// Cache-Control and the file's security headers. For HEAD: the GET's headers (and
// Content-Length), no body.
Response serve_static(const StaticFile& file, const Request& req);

// The web app's answer to a GET or HEAD that no route matched (ADR 0003's dispatcher asks):
// - a file of the build (`/` is index.html): that file;
// - a missing file under /assets/: nullopt (a 404: a stale hashed chunk must not load HTML);
// - anything else from a client that accepts text/html (a deep link such as
//   /concerts/42): index.html, so the app's router takes over;
// - otherwise nullopt. Never called for the paths the API owns (`is_api_path`).
std::optional<Response> serve_web_app(const StaticFiles& files, const Request& req);

// Paths whose unknown children stay API 404s: /api, /docs, /openapi.yaml, the ops endpoints and
// /.well-known (and everything below them).
bool is_api_path(std::string_view path);

}  // namespace tiket::http
