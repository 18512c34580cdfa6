#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tiket::test {

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  bool reused_connection = false;
  std::string error;  // curl error text when the request failed at the transport level

  nlohmann::json json() const { return nlohmann::json::parse(body); }
  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  // True for an RFC 9457 document with the fields every error must carry.
  bool is_problem(long expected_status) const;
};

// A libcurl easy handle; consecutive requests reuse its connection when the server allows.
class HttpClient {
 public:
  explicit HttpClient(std::string base_url);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  HttpClient(HttpClient&&) = delete;
  HttpClient& operator=(HttpClient&&) = delete;

  HttpResponse request(const std::string& method, const std::string& path,
                       const std::string& body = "", const std::vector<std::string>& headers = {});
  HttpResponse get(const std::string& path, const std::vector<std::string>& headers = {}) {
    return request("GET", path, "", headers);
  }
  HttpResponse post_json(const std::string& path, const std::string& body,
                         std::vector<std::string> headers = {}) {
    headers.emplace_back("Content-Type: application/json");
    return request("POST", path, body, headers);
  }

 private:
  std::string base_url_;
  void* curl_;
};

}  // namespace tiket::test
