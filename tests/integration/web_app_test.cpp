// The web app's build served by the API (issue 12), against a real tiket-api process over real
// sockets: index.html and hashed assets with their cache headers, the deep-link fallback, the
// paths the API keeps, the security headers, HEAD, and path traversal.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/test_db.hpp"

namespace fs = std::filesystem;
using tiket::test::HttpClient;
using tiket::test::HttpResponse;
using tiket::test::Server;
using tiket::test::server_env;
using tiket::test::TestDatabase;

namespace {

const std::string kIndex =
    "<!doctype html><html><head><script type=\"module\" src=\"/assets/index-Ab12Cd34.js\">"
    "</script></head><body><div id=\"root\"></div></body></html>";
const std::string kScript = "console.log('tiket');";
const std::string kHtml = "Accept: text/html,application/xhtml+xml,*/*;q=0.8";

void write_file(const fs::path& path, const std::string& body) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << body;
}

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

// Reads from `fd` into `buffer` until it contains `needle` (or the 10 s receive timeout).
bool read_until(int fd, std::string& buffer, const std::string& needle) {
  std::array<char, 4096> chunk{};
  while (buffer.find(needle) == std::string::npos) {
    const auto n = ::recv(fd, chunk.data(), chunk.size(), 0);
    if (n <= 0) {
      return false;
    }
    buffer.append(chunk.data(), static_cast<std::size_t>(n));
  }
  return true;
}

// The head (status line and headers) of a request sent byte for byte: curl would normalise
// `..` and `%2e` in the path.
std::string raw_head(std::uint16_t port, const std::string& method, const std::string& target,
                     const std::string& extra_header = "") {
  const int fd = connect_to(port);
  if (fd < 0) {
    return "connect failed";
  }
  const std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                              extra_header + "Connection: close\r\n\r\n";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string response;
  read_until(fd, response, "\r\n\r\n");
  ::close(fd);
  return response.substr(0, response.find("\r\n\r\n"));
}

class WebApp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = tiket::test::temp_dir("tiket-web-app");
    const fs::path dist = fs::path(root_) / "dist";
    write_file(dist / "index.html", kIndex);
    write_file(dist / "assets" / "index-Ab12Cd34.js", kScript);
    write_file(dist / "assets" / "index-Ef56Gh78.css", "body{margin:0}");
    write_file(dist / "favicon.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    // Something next to the build that must never be served, and a link from inside to it.
    write_file(fs::path(root_) / "secret.txt", "top secret");
    fs::create_symlink(fs::path(root_) / "secret.txt", dist / "assets" / "leak.js");
    db_ = std::make_unique<TestDatabase>();
    server_ = std::make_unique<Server>(
        TIKET_API_BIN, server_env(db_->url_string(), {{"WEB_DIR", (dist).string()}}));
  }
  static void TearDownTestSuite() {
    server_.reset();
    db_.reset();
    fs::remove_all(root_);
  }
  static std::string root_;
  static std::unique_ptr<TestDatabase> db_;
  static std::unique_ptr<Server> server_;
};
std::string WebApp::root_;
std::unique_ptr<TestDatabase> WebApp::db_;
std::unique_ptr<Server> WebApp::server_;

void expect_security_headers(const HttpResponse& r, const std::string& what) {
  const auto csp = r.header("content-security-policy");
  EXPECT_NE(csp.find("script-src 'self';"), std::string::npos) << what << ": " << csp;
  EXPECT_NE(csp.find("style-src 'self';"), std::string::npos) << what << ": " << csp;
  EXPECT_NE(csp.find("connect-src 'self'"), std::string::npos) << what;
  EXPECT_NE(csp.find("img-src 'self' data:"), std::string::npos) << what;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << what;
  EXPECT_NE(csp.find("base-uri 'self'"), std::string::npos) << what;
  EXPECT_NE(csp.find("form-action 'self'"), std::string::npos) << what;
  EXPECT_EQ(csp.find("unsafe"), std::string::npos) << what << ": " << csp;
  EXPECT_EQ(r.header("x-content-type-options"), "nosniff") << what;
  EXPECT_EQ(r.header("referrer-policy"), "strict-origin-when-cross-origin") << what;
}

}  // namespace

TEST_F(WebApp, TheRootIsIndexHtmlRevalidatedEveryTime) {
  const auto r = HttpClient(server_->base_url()).get("/");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, kIndex);
  EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(r.header("cache-control"), "no-cache");
  EXPECT_FALSE(r.header("etag").empty());
  expect_security_headers(r, "/");
  // Revalidation costs a 304 without a body.
  const auto again =
      HttpClient(server_->base_url()).get("/", {"If-None-Match: " + r.header("etag")});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
}

TEST_F(WebApp, HashedAssetsAreImmutableWithTheirContentTypes) {
  HttpClient client(server_->base_url());
  const auto js = client.get("/assets/index-Ab12Cd34.js");
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.body, kScript);
  EXPECT_EQ(js.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.header("cache-control"), "public, max-age=31536000, immutable");
  expect_security_headers(js, "js");
  const auto css = client.get("/assets/index-Ef56Gh78.css");
  EXPECT_EQ(css.header("content-type"), "text/css; charset=utf-8");
  EXPECT_EQ(css.header("cache-control"), "public, max-age=31536000, immutable");
  // Outside assets/ a name carries no hash: revalidate.
  const auto icon = client.get("/favicon.svg");
  EXPECT_EQ(icon.header("content-type"), "image/svg+xml");
  EXPECT_EQ(icon.header("cache-control"), "no-cache");
}

TEST_F(WebApp, DeepLinksFromABrowserGetTheAppOthersA404) {
  HttpClient client(server_->base_url());
  for (const auto* path : {"/concerts/42", "/bookings/TIX-20261130-000001", "/login?next=/me"}) {
    const auto r = client.get(path, {kHtml});
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, kIndex) << path;
    EXPECT_EQ(r.header("cache-control"), "no-cache") << path;
  }
  // Not a page request (curl's */*, a script's fetch): the usual 404 problem.
  EXPECT_TRUE(client.get("/concerts/42").is_problem(404));
  EXPECT_TRUE(client.get("/concerts/42", {"Accept: application/json"}).is_problem(404));
  // A missing hashed asset is a 404 even for a browser: HTML must never stand in for a script.
  EXPECT_TRUE(client.get("/assets/index-Old00000.js", {kHtml}).is_problem(404));
  // Other methods are not the app's.
  EXPECT_TRUE(client.request("POST", "/concerts/42", "", {kHtml}).is_problem(404));
}

TEST_F(WebApp, TheApiDocsAndOpsKeepTheirOwnAnswers) {
  HttpClient client(server_->base_url());
  for (const auto* path : {"/api/nope", "/api", "/api/concerts/x/y", "/docs/nope.js",
                           "/.well-known/nope", "/healthz/x"}) {
    const auto r = client.get(path, {kHtml});
    EXPECT_TRUE(r.is_problem(404)) << path << " " << r.status << " " << r.body;
  }
  EXPECT_EQ(client.get("/healthz", {kHtml}).body, R"({"status":"ok"})");
  EXPECT_EQ(client.get("/api/concerts", {kHtml}).header("content-type"), "application/json");
  const auto docs = client.get("/docs", {kHtml});
  EXPECT_EQ(docs.status, 200);
  EXPECT_NE(docs.body.find("swagger-ui"), std::string::npos);
  // The docs get a policy too, with inline styles allowed for Swagger UI.
  EXPECT_NE(docs.header("content-security-policy").find("script-src 'self';"), std::string::npos);
  EXPECT_NE(docs.header("content-security-policy").find("frame-ancestors 'none'"),
            std::string::npos);
}

TEST_F(WebApp, HeadAnswersTheHeadersAndLengthWithoutABody) {
  const auto head = raw_head(server_->port(), "HEAD", "/");
  EXPECT_EQ(head.substr(0, 15), "HTTP/1.1 200 OK") << head;
  EXPECT_NE(head.find("Content-Length: " + std::to_string(kIndex.size())), std::string::npos)
      << head;
  EXPECT_NE(head.find("Cache-Control: no-cache"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Security-Policy: "), std::string::npos) << head;

  // On one connection: HEAD, then GET /healthz. The bytes after the HEAD's headers must be the
  // next answer's status line: the HEAD sent no body.
  const int fd = connect_to(server_->port());
  ASSERT_GE(fd, 0);
  const std::string first = "HEAD /assets/index-Ab12Cd34.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ::send(fd, first.data(), first.size(), MSG_NOSIGNAL);
  std::string received;
  ASSERT_TRUE(read_until(fd, received, "\r\n\r\n"));
  EXPECT_NE(received.find("Content-Length: " + std::to_string(kScript.size())), std::string::npos);
  EXPECT_NE(received.find("immutable"), std::string::npos);
  const std::string second = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ::send(fd, second.data(), second.size(), MSG_NOSIGNAL);
  ASSERT_TRUE(read_until(fd, received, R"({"status":"ok"})"));
  ::close(fd);
  const auto after_head = received.substr(received.find("\r\n\r\n") + 4);
  EXPECT_EQ(after_head.substr(0, 15), "HTTP/1.1 200 OK") << after_head;

  // HEAD on the docs and ops works the same way; a worker route's HEAD stays 405.
  EXPECT_EQ(raw_head(server_->port(), "HEAD", "/openapi.yaml").substr(0, 15), "HTTP/1.1 200 OK");
  EXPECT_EQ(raw_head(server_->port(), "HEAD", "/healthz").substr(0, 15), "HTTP/1.1 200 OK");
  EXPECT_EQ(raw_head(server_->port(), "HEAD", "/api/concerts").substr(0, 12), "HTTP/1.1 405");
}

TEST_F(WebApp, PathsCannotLeaveTheBuildFolder) {
  for (const auto* target : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                             "/assets/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt",
                             "/assets/leak.js", "//secret.txt", "/assets/..\\..\\secret.txt"}) {
    const auto head = raw_head(server_->port(), "GET", target);
    EXPECT_EQ(head.find("top secret"), std::string::npos) << target;
    // No browser Accept: nothing to fall back to, so every one of them is a 404.
    EXPECT_EQ(head.substr(0, 12), "HTTP/1.1 404") << target << "\n" << head;
    // A browser gets the app (index.html), never the file outside.
    const auto as_page = raw_head(server_->port(), "GET", target, kHtml + "\r\n");
    EXPECT_EQ(as_page.find("image/svg"), std::string::npos) << target;
    if (as_page.substr(0, 12) == "HTTP/1.1 200") {
      EXPECT_NE(as_page.find("Content-Length: " + std::to_string(kIndex.size())), std::string::npos)
          << target << "\n"
          << as_page;
    }
  }
}

TEST(WebAppMissing, WithoutABuildTheRootStaysA404Problem) {
  TestDatabase db;
  Server server(TIKET_API_BIN, server_env(db.url_string(), {{"WEB_DIR", "/nonexistent/dist"}}));
  HttpClient client(server.base_url());
  EXPECT_TRUE(client.get("/", {kHtml}).is_problem(404));
  EXPECT_TRUE(client.get("/concerts/42", {kHtml}).is_problem(404));
  EXPECT_EQ(client.get("/healthz").status, 200);
}
