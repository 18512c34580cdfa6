#include "http/static_files.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/logging.hpp"

namespace tiket::http {

namespace fs = std::filesystem;

namespace {

// FNV-1a, 64 bit: stable across processes and replicas, so every replica gives the same ETag.
std::uint64_t fnv1a(std::string_view data) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : data) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::string make_etag(std::string_view body) {
  return fmt::format("\"{:x}-{:016x}\"", body.size(), fnv1a(body));
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string cache_control_for(std::string_view name, StaticKind kind) {
  if (kind == StaticKind::web_app) {
    // Vite names everything under assets/ after its content: a new build is a new name, so the
    // old one may be kept forever. index.html (which names them) must be revalidated each time.
    return starts_with(name, "assets/") ? "public, max-age=31536000, immutable" : "no-cache";
  }
  // Pages and the API description change with each release under the same name: always
  // revalidate (a 304 costs one round trip). The Swagger UI assets change only when the
  // swagger-ui-dist version does.
  if (ends_with(name, ".html") || ends_with(name, ".yaml") || ends_with(name, ".json") ||
      ends_with(name, "swagger-initializer.js")) {
    return "no-cache";
  }
  return "public, max-age=3600";
}

// True when `path` (canonical) is `root` (canonical) or lies below it.
bool is_within(const fs::path& root, const fs::path& path) {
  auto r = root.begin();
  auto p = path.begin();
  for (; r != root.end(); ++r, ++p) {
    if (p == path.end() || *r != *p) {
      return false;
    }
  }
  return true;
}

bool read_file(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = std::move(buffer).str();
  return !in.bad();
}

// Whether `a` matches one entry of an If-None-Match list (`*`, or a list of ETags, weak or not).
bool etag_listed(std::string_view header, std::string_view etag) {
  std::size_t pos = 0;
  while (pos < header.size()) {
    const auto comma = header.find(',', pos);
    auto item =
        header.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
      item.remove_prefix(1);
    }
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
      item.remove_suffix(1);
    }
    if (item.substr(0, 2) == "W/") {
      item.remove_prefix(2);
    }
    if (item == "*" || item == etag) {
      return true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    pos = comma + 1;
  }
  return false;
}

}  // namespace

bool is_confined_name(std::string_view relative) {
  if (relative.empty() || relative.front() == '/' || relative.back() == '/') {
    return false;
  }
  std::size_t pos = 0;
  while (pos <= relative.size()) {
    const auto slash = relative.find('/', pos);
    const auto end = slash == std::string_view::npos ? relative.size() : slash;
    const auto segment = relative.substr(pos, end - pos);
    if (segment.empty() || segment == "." || segment == "..") {
      return false;
    }
    for (const char c : segment) {
      if (c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return false;
      }
    }
    if (slash == std::string_view::npos) {
      break;
    }
    pos = slash + 1;
  }
  return true;
}

std::string content_type_for(std::string_view filename) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 18> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".yaml", "application/yaml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".webp", "image/webp"},
      {".svg", "image/svg+xml"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".wasm", "application/wasm"},
      {".txt", "text/plain; charset=utf-8"},
  }};
  for (const auto& [suffix, type] : kTypes) {
    if (ends_with(filename, suffix)) {
      return std::string(type);
    }
  }
  return "application/octet-stream";
}

const NameValues& static_security_headers(StaticKind kind) {
  // No inline script anywhere. Swagger UI sets inline styles (style attributes in its markup),
  // so the docs allow them; the web app does not need them (React sets styles through the
  // CSSOM, which style-src does not govern).
  static const NameValues kWebApp{
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
       "base-uri 'self'; form-action 'self'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "strict-origin-when-cross-origin"},
      {"X-Frame-Options", "DENY"},
  };
  static const NameValues kDocs{
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "strict-origin-when-cross-origin"},
      {"X-Frame-Options", "DENY"},
  };
  return kind == StaticKind::web_app ? kWebApp : kDocs;
}

StaticFiles StaticFiles::load(const fs::path& root, StaticKind kind) {
  StaticFiles files;
  std::error_code ec;
  const auto canonical_root = fs::canonical(root, ec);
  if (ec || !fs::is_directory(canonical_root, ec)) {
    core::log::warn(kind == StaticKind::web_app
                        ? "web app folder not found; / and the app's paths will answer 404"
                        : "static folder not found; /docs and /openapi.yaml will answer 404",
                    {{"static_dir", root.string()}});
    return files;
  }
  files.root_ = canonical_root;
  fs::recursive_directory_iterator it(canonical_root, fs::directory_options::skip_permission_denied,
                                      ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const auto& entry = *it;
    std::error_code entry_ec;
    const auto target = fs::canonical(entry.path(), entry_ec);
    if (entry_ec || !is_within(canonical_root, target)) {
      // A symlink (or a folder reached through one) that leads out of the folder.
      core::log::warn("static file skipped: it resolves outside the static folder",
                      {{"path", entry.path().string()}});
      if (entry.is_directory(entry_ec)) {
        it.disable_recursion_pending();
      }
      continue;
    }
    if (!fs::is_regular_file(target, entry_ec)) {
      continue;
    }
    const auto relative = entry.path().lexically_relative(canonical_root).generic_string();
    if (!is_confined_name(relative)) {
      continue;
    }
    StaticFile file;
    if (!read_file(target, file.body)) {
      core::log::warn("static file skipped: not readable", {{"path", entry.path().string()}});
      continue;
    }
    file.content_type = content_type_for(relative);
    file.etag = make_etag(file.body);
    file.cache_control = cache_control_for(relative, kind);
    file.headers = static_security_headers(kind);
    files.files_.emplace(relative, std::move(file));
  }
  if (ec) {
    core::log::warn("static folder could not be read completely",
                    {{"static_dir", root.string()}, {"error", ec.message()}});
  }
  return files;
}

const StaticFile* StaticFiles::find(std::string_view relative) const {
  if (!is_confined_name(relative)) {
    return nullptr;
  }
  const auto it = files_.find(relative);
  return it == files_.end() ? nullptr : &it->second;
}

Response serve_static(const StaticFile& file, const Request& req) {
  Response r;
  const auto if_none_match = req.header("if-none-match");
  if (if_none_match && etag_listed(*if_none_match, file.etag)) {
    r = Response::empty(304);
  } else if (req.method == Method::Head) {
    r = Response::text(200, "", file.content_type);
    r.head_content_length = file.body.size();
  } else {
    r = Response::text(200, file.body, file.content_type);
  }
  r.headers.emplace_back("ETag", file.etag);
  r.headers.emplace_back("Cache-Control", file.cache_control);
  if (file.headers.empty()) {
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  }
  r.headers.insert(r.headers.end(), file.headers.begin(), file.headers.end());
  return r;
}

bool is_api_path(std::string_view path) {
  static constexpr std::array<std::string_view, 7> kOwned{
      "/api", "/docs", "/openapi.yaml", "/healthz", "/readyz", "/metrics", "/.well-known"};
  return std::any_of(kOwned.begin(), kOwned.end(), [path](std::string_view prefix) {
    return starts_with(path, prefix) &&
           (path.size() == prefix.size() || path[prefix.size()] == '/');
  });
}

std::optional<Response> serve_web_app(const StaticFiles& files, const Request& req) {
  if (files.empty() || (req.method != Method::Get && req.method != Method::Head) ||
      is_api_path(req.path)) {
    return std::nullopt;
  }
  const std::string_view path = req.path;
  const auto relative = path == "/" ? std::string_view("index.html") : path.substr(1);
  if (const auto* file = files.find(relative)) {
    return serve_static(*file, req);
  }
  if (starts_with(path, "/assets/")) {
    return std::nullopt;
  }
  const auto accept = req.header("accept");
  const auto* index = files.find("index.html");
  if (index == nullptr || !accept || accept->find("text/html") == std::string_view::npos) {
    return std::nullopt;
  }
  return serve_static(*index, req);
}

}  // namespace tiket::http
