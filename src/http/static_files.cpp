#include "http/static_files.hpp"

#include <fmt/format.h>

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

std::string cache_control_for(std::string_view name) {
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
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".yaml", "application/yaml"},
      {".png", "image/png"},
      {".svg", "image/svg+xml"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
  }};
  for (const auto& [suffix, type] : kTypes) {
    if (ends_with(filename, suffix)) {
      return std::string(type);
    }
  }
  return "application/octet-stream";
}

StaticFiles StaticFiles::load(const fs::path& root) {
  StaticFiles files;
  std::error_code ec;
  const auto canonical_root = fs::canonical(root, ec);
  if (ec || !fs::is_directory(canonical_root, ec)) {
    core::log::warn("static folder not found; /docs and /openapi.yaml will answer 404",
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
    file.cache_control = cache_control_for(relative);
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
  } else {
    r = Response::text(200, file.body, file.content_type);
  }
  r.headers.emplace_back("ETag", file.etag);
  r.headers.emplace_back("Cache-Control", file.cache_control);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

}  // namespace tiket::http
