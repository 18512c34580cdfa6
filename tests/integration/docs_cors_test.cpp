// GET /openapi.yaml and GET /docs (Swagger UI) from the static folder, and CORS, against a real
// tiket-api process over real sockets.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>

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

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const fs::path& path, const std::string& body) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << body;
}

// The status line of a request sent byte for byte: curl would normalise `..` in the path.
std::string raw_status_line(std::uint16_t port, const std::string& target) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "connect failed";
  }
  const std::string request =
      "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  // Only the status line is needed: read until it is complete (bounded by a receive timeout).
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string response;
  std::array<char, 4096> buffer{};
  ssize_t n = 0;
  while (response.find("\r\n") == std::string::npos &&
         (n = ::recv(fd, buffer.data(), buffer.size(), 0)) > 0) {
    response.append(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  return response.substr(0, response.find("\r\n"));
}

}  // namespace

// The default static folder: the one the build assembled next to the executable.
class Docs : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = std::make_unique<TestDatabase>();
    server_ = std::make_unique<Server>(TIKET_API_BIN, server_env(db_->url_string()));
  }
  static void TearDownTestSuite() {
    server_.reset();
    db_.reset();
  }
  static std::unique_ptr<TestDatabase> db_;
  static std::unique_ptr<Server> server_;
};
std::unique_ptr<TestDatabase> Docs::db_;
std::unique_ptr<Server> Docs::server_;

TEST_F(Docs, ServesTheOpenApiFileAsYamlWithAnETag) {
  HttpClient client(server_->base_url());
  const auto r = client.get("/openapi.yaml");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "application/yaml");
  EXPECT_EQ(r.body, read_file(TIKET_SOURCE_DIR "/docs/openapi.yaml"));
  EXPECT_EQ(r.header("cache-control"), "no-cache");
  EXPECT_FALSE(r.header("etag").empty());
}

TEST_F(Docs, AnswersIfNoneMatchWith304AndNoBody) {
  HttpClient client(server_->base_url());
  const auto first = client.get("/openapi.yaml");
  ASSERT_EQ(first.status, 200);
  const auto etag = first.header("etag");
  const auto again = client.get("/openapi.yaml", {"If-None-Match: " + etag});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(again.header("etag"), etag);
  const auto listed = client.get("/openapi.yaml", {"If-None-Match: \"other\", W/" + etag});
  EXPECT_EQ(listed.status, 304);
  const auto stale = client.get("/openapi.yaml", {"If-None-Match: \"0-0000000000000000\""});
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.body, first.body);
}

TEST_F(Docs, ServesSwaggerUiPointingAtTheOpenApiFile) {
  HttpClient client(server_->base_url());
  const auto page = client.get("/docs");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("/docs/swagger-ui-bundle.js"), std::string::npos);

  const auto init = client.get("/docs/swagger-initializer.js");
  ASSERT_EQ(init.status, 200);
  EXPECT_NE(init.body.find("url: \"/openapi.yaml\""), std::string::npos);
  EXPECT_NE(init.body.find("persistAuthorization: true"), std::string::npos);

  // The assets the page loads come from swagger-ui-dist (npm ci) and are cached for an hour.
  for (const auto* asset : {"/docs/swagger-ui-bundle.js", "/docs/swagger-ui-standalone-preset.js",
                            "/docs/swagger-ui.css", "/docs/index.css"}) {
    const auto r = client.get(asset);
    EXPECT_EQ(r.status, 200) << asset << ": run npm ci before building";
    EXPECT_GT(r.body.size(), 100U) << asset;
    EXPECT_EQ(r.header("cache-control"), "public, max-age=3600") << asset;
  }
  EXPECT_EQ(client.get("/docs/swagger-ui.css").header("content-type"), "text/css; charset=utf-8");
  EXPECT_EQ(client.get("/docs/swagger-ui-bundle.js").header("content-type"),
            "text/javascript; charset=utf-8");
}

TEST_F(Docs, TheDescriptionHasTheBearerSchemeTheAuthorizeButtonUses) {
  const auto r = HttpClient(server_->base_url()).get("/openapi.yaml");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("bearerAuth:\n      type: http\n      scheme: bearer"), std::string::npos);
  EXPECT_NE(r.body.find("servers:\n  - url: /\n"), std::string::npos)
      << "Try it out must call the server that serves the page";
}

TEST_F(Docs, RefusesTraversalOutOfTheFolder) {
  HttpClient client(server_->base_url());
  for (const auto* path :
       {"/docs/%2e%2e%2fopenapi.yaml", "/docs/..%2F..%2Fopenapi.yaml", "/docs/%2E%2E",
        "/docs/.%2fswagger-ui.css", "/docs/%2fetc%2fpasswd", "/docs/..%5c..%5copenapi.yaml",
        "/docs/index.html%00.css", "/docs/nope.js"}) {
    const auto r = client.get(path);
    EXPECT_TRUE(r.is_problem(404)) << path << " -> " << r.status;
  }
  EXPECT_TRUE(client.get("/docs/%zz").is_problem(400));
  // Literal dot segments, sent as they are: never a file from outside docs/.
  for (const auto* target :
       {"/docs/../openapi.yaml", "/docs/../../../../etc/passwd", "/docs/./../openapi.yaml"}) {
    const auto line = raw_status_line(server_->port(), target);
    EXPECT_EQ(line.rfind("HTTP/1.1 404", 0), 0U) << target << " -> " << line;
  }
}

// A folder of its own, with symlinks that lead out of it.
TEST(DocsStaticDir, ServesOnlyFilesInsideTheConfiguredFolder) {
  const fs::path root = tiket::test::temp_dir("tiket-static");
  const fs::path outside = tiket::test::temp_dir("tiket-outside");
  write_file(root / "openapi.yaml", "openapi: 3.1.0\n");
  write_file(root / "docs" / "index.html", "<html>docs</html>");
  write_file(root / "docs" / "real.css", "body{}");
  write_file(outside / "secret.txt", "top secret");
  fs::create_symlink(outside / "secret.txt", root / "docs" / "secret.css");
  fs::create_directory_symlink(outside, root / "docs" / "out");
  fs::create_symlink(root / "docs" / "real.css", root / "docs" / "inside.css");

  TestDatabase db;
  Server server(TIKET_API_BIN, server_env(db.url_string(), {{"STATIC_DIR", root.string()}}));
  HttpClient client(server.base_url());
  EXPECT_EQ(client.get("/openapi.yaml").body, "openapi: 3.1.0\n");
  EXPECT_EQ(client.get("/docs").body, "<html>docs</html>");
  EXPECT_EQ(client.get("/docs/inside.css").body, "body{}") << "a symlink within is followed";
  for (const auto* path : {"/docs/secret.css", "/docs/out%2fsecret.txt", "/docs/out"}) {
    const auto r = client.get(path);
    EXPECT_TRUE(r.is_problem(404)) << path << " -> " << r.status;
    EXPECT_EQ(r.body.find("top secret"), std::string::npos);
  }
  server.process().signal(SIGTERM);
  server.process().wait(std::chrono::seconds(20));
  EXPECT_NE(server.process().output().find("resolves outside the static folder"),
            std::string::npos);
  fs::remove_all(root);
  fs::remove_all(outside);
}

TEST(DocsStaticDir, AMissingFolderAnswers404AndTheServiceStillRuns) {
  TestDatabase db;
  Server server(TIKET_API_BIN,
                server_env(db.url_string(), {{"STATIC_DIR", "/nonexistent/tiket-static"}}));
  HttpClient client(server.base_url());
  EXPECT_TRUE(client.get("/openapi.yaml").is_problem(404));
  EXPECT_TRUE(client.get("/docs").is_problem(404));
  EXPECT_EQ(client.get("/healthz").status, 200);
}

// CORS_ALLOWED_ORIGINS set: an allowed origin is echoed exactly; another gets nothing.
class Cors : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = std::make_unique<TestDatabase>();
    server_ = std::make_unique<Server>(
        TIKET_API_BIN,
        server_env(db_->url_string(),
                   {{"CORS_ALLOWED_ORIGINS", "https://app.tiket.test, HTTP://localhost:3000"}}));
  }
  static void TearDownTestSuite() {
    server_.reset();
    db_.reset();
  }
  static std::unique_ptr<TestDatabase> db_;
  static std::unique_ptr<Server> server_;
};
std::unique_ptr<TestDatabase> Cors::db_;
std::unique_ptr<Server> Cors::server_;

TEST_F(Cors, AnAllowedOriginIsEchoedExactlyWithVary) {
  HttpClient client(server_->base_url());
  for (const auto* origin : {"https://app.tiket.test", "http://localhost:3000"}) {
    const auto r = client.get("/api/concerts", {std::string("Origin: ") + origin});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("access-control-allow-origin"), origin);
    EXPECT_EQ(r.header("vary"), "Origin");
    EXPECT_NE(r.header("access-control-expose-headers").find("X-Request-Id"), std::string::npos);
    EXPECT_TRUE(r.header("access-control-allow-credentials").empty());
  }
  // Errors carry the headers too, so the script can read the problem document.
  const auto missing = client.get("/api/auth/me", {"Origin: https://app.tiket.test"});
  EXPECT_TRUE(missing.is_problem(401));
  EXPECT_EQ(missing.header("access-control-allow-origin"), "https://app.tiket.test");
}

TEST_F(Cors, ARefusedOriginGetsNoCorsHeaders) {
  HttpClient client(server_->base_url());
  for (const auto* origin : {"https://evil.example", "https://app.tiket.test.evil.example",
                             "http://app.tiket.test", "null"}) {
    const auto r = client.get("/api/concerts", {std::string("Origin: ") + origin});
    EXPECT_EQ(r.status, 200) << "the request itself is served; the browser withholds it";
    EXPECT_TRUE(r.header("access-control-allow-origin").empty()) << origin;
    EXPECT_EQ(r.header("vary"), "Origin");
  }
  EXPECT_TRUE(client.get("/api/concerts").header("access-control-allow-origin").empty());
}

TEST_F(Cors, APreflightNamesTheRoutesMethodsAndTheHeadersWeRead) {
  HttpClient client(server_->base_url());
  const auto r =
      client.request("OPTIONS", "/api/bookings", "",
                     {"Origin: https://app.tiket.test", "Access-Control-Request-Method: POST",
                      "Access-Control-Request-Headers: authorization, idempotency-key"});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.header("access-control-allow-origin"), "https://app.tiket.test");
  EXPECT_EQ(r.header("access-control-allow-methods"), "POST, GET, OPTIONS");
  const auto headers = r.header("access-control-allow-headers");
  for (const auto* name : {"Authorization", "Idempotency-Key", "Content-Type"}) {
    EXPECT_NE(headers.find(name), std::string::npos) << name;
  }
  EXPECT_EQ(r.header("access-control-max-age"), "600");
  EXPECT_EQ(r.header("vary"), "Origin");

  // Every API route has a preflight, path parameters included.
  const auto cancel =
      client.request("OPTIONS", "/api/bookings/TIX-20260101-000001/cancel", "",
                     {"Origin: http://localhost:3000", "Access-Control-Request-Method: POST"});
  EXPECT_EQ(cancel.status, 204);
  EXPECT_EQ(cancel.header("access-control-allow-methods"), "POST, OPTIONS");
  EXPECT_EQ(cancel.header("access-control-allow-origin"), "http://localhost:3000");
}

TEST_F(Cors, APreflightFromARefusedOriginIs403AndAnUnknownPath404) {
  HttpClient client(server_->base_url());
  const auto refused =
      client.request("OPTIONS", "/api/bookings", "",
                     {"Origin: https://evil.example", "Access-Control-Request-Method: POST"});
  EXPECT_TRUE(refused.is_problem(403));
  EXPECT_TRUE(refused.header("access-control-allow-origin").empty());
  EXPECT_TRUE(refused.header("access-control-allow-methods").empty());

  const auto unknown =
      client.request("OPTIONS", "/api/nope", "",
                     {"Origin: https://app.tiket.test", "Access-Control-Request-Method: GET"});
  EXPECT_TRUE(unknown.is_problem(404));
}

TEST_F(Cors, PlainOptionsAnswersAllow) {
  const auto r = HttpClient(server_->base_url()).request("OPTIONS", "/api/concerts/1");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.header("allow"), "GET, PATCH, DELETE, OPTIONS");
  EXPECT_TRUE(r.header("access-control-allow-methods").empty());
}

TEST(CorsOff, NoOriginIsAllowedByDefault) {
  TestDatabase db;
  Server server(TIKET_API_BIN, server_env(db.url_string()));
  HttpClient client(server.base_url());
  const auto r = client.get("/api/concerts", {"Origin: https://app.tiket.test"});
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.header("access-control-allow-origin").empty());
  EXPECT_TRUE(r.header("vary").empty());
  const auto preflight =
      client.request("OPTIONS", "/api/concerts", "",
                     {"Origin: https://app.tiket.test", "Access-Control-Request-Method: GET"});
  EXPECT_TRUE(preflight.is_problem(403));
}

TEST(CorsConfig, AWildcardOrAnOriginWithAPathIsRefusedAtStartUp) {
  TestDatabase db;
  for (const auto* value : {"*", "https://app.tiket.test/", "app.tiket.test", "ftp://x.test"}) {
    auto env = server_env(db.url_string(), {{"CORS_ALLOWED_ORIGINS", value}});
    tiket::test::Process p(TIKET_API_BIN, {"serve"}, env);
    EXPECT_EQ(p.wait(std::chrono::seconds(20)), 2) << value;
    EXPECT_NE(p.output().find("CORS_ALLOWED_ORIGINS:"), std::string::npos) << value;
  }
}
