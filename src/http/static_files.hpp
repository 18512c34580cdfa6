#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace tiket::http {

// One file served as it is: the API description and the Swagger UI assets behind /docs.
struct StaticFile {
  std::string body;
  std::string content_type;
  std::string etag;           // strong, from the content: "<size>-<hash>"
  std::string cache_control;  // no-cache for pages and the API description, an hour for assets
};

// The files of one folder (STATIC_DIR), read once at start-up and kept in memory, so a
// request never touches the disk and never resolves a path: it can only name a file that was
// found inside the folder. Loading follows the folder's symlinks only where they stay inside it;
// one that leads out (or a file that cannot be read) is skipped with a warning.
class StaticFiles {
 public:
  StaticFiles() = default;
  // A missing folder gives an empty set (the routes then answer 404); the service still runs.
  static StaticFiles load(const std::filesystem::path& root);

  // The file at `relative` ("docs/index.html"), or nullptr. A name that could leave the folder
  // (an empty, `.` or `..` segment, a backslash, a NUL, a leading slash) is never found.
  const StaticFile* find(std::string_view relative) const;

  std::size_t size() const { return files_.size(); }
  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
  std::map<std::string, StaticFile, std::less<>> files_;
};

// True when `relative` is a plain relative path of non-empty segments, none of them `.` or `..`,
// without backslashes or control characters.
bool is_confined_name(std::string_view relative);

std::string content_type_for(std::string_view filename);

// 200 with the file, or 304 without a body when If-None-Match names its ETag. Both carry ETag
// and Cache-Control.
Response serve_static(const StaticFile& file, const Request& req);

}  // namespace tiket::http
