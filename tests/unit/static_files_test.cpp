// The static folder's name checks, content types and conditional answers (src/http/static_files).
#include "http/static_files.hpp"

#include <gtest/gtest.h>

#include "core/config.hpp"
#include "core/env.hpp"

using tiket::http::content_type_for;
using tiket::http::is_confined_name;

TEST(StaticFiles, OnlyPlainRelativeNamesAreConfined) {
  EXPECT_TRUE(is_confined_name("openapi.yaml"));
  EXPECT_TRUE(is_confined_name("docs/swagger-ui.css"));
  EXPECT_TRUE(is_confined_name("docs/..hidden"));  // a name that starts with dots is a name
  for (const auto* name : {"", "/etc/passwd", "..", "docs/..", "docs/../openapi.yaml", "./docs",
                           "docs//x", "docs/", "docs\\..\\x", "a\x01", "docs/."}) {
    EXPECT_FALSE(is_confined_name(name)) << name;
  }
  EXPECT_FALSE(is_confined_name(std::string_view("index.html\0.css", 15)));
}

TEST(StaticFiles, ContentTypesFollowTheExtension) {
  EXPECT_EQ(content_type_for("openapi.yaml"), "application/yaml");
  EXPECT_EQ(content_type_for("docs/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("docs/swagger-ui-bundle.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("docs/favicon-32x32.png"), "image/png");
  EXPECT_EQ(content_type_for("docs/unknown.bin"), "application/octet-stream");
}

TEST(StaticFiles, IfNoneMatchGets304WithTheSameValidators) {
  tiket::http::StaticFile file{"body", "text/plain", "\"4-abc\"", "no-cache", {}};
  tiket::http::Request req;
  EXPECT_EQ(tiket::http::serve_static(file, req).status, 200);
  req.headers = {{"if-none-match", R"("x", W/"4-abc")"}};
  const auto r = tiket::http::serve_static(file, req);
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body.empty());
  req.headers = {{"if-none-match", "\"4-abcd\""}};
  EXPECT_EQ(tiket::http::serve_static(file, req).status, 200);
  req.headers = {{"if-none-match", "*"}};
  EXPECT_EQ(tiket::http::serve_static(file, req).status, 304);
}

TEST(StaticFiles, WebAppTypesIncludeFontsImagesAndManifests) {
  EXPECT_EQ(content_type_for("assets/inter-latin.woff2"), "font/woff2");
  EXPECT_EQ(content_type_for("assets/hero-3f9a.webp"), "image/webp");
  EXPECT_EQ(content_type_for("assets/photo.jpg"), "image/jpeg");
  EXPECT_EQ(content_type_for("site.webmanifest"), "application/manifest+json");
  EXPECT_EQ(content_type_for("favicon.svg"), "image/svg+xml");
}

TEST(StaticFiles, TheApiKeepsItsOwnPaths) {
  using tiket::http::is_api_path;
  for (const auto* path : {"/api", "/api/", "/api/nope", "/docs", "/docs/x.js", "/openapi.yaml",
                           "/healthz", "/readyz", "/metrics", "/.well-known/jwks.json"}) {
    EXPECT_TRUE(is_api_path(path)) << path;
  }
  for (const auto* path : {"/", "/apis", "/api-docs", "/concerts/1", "/assets/index-1.js", "/docsy",
                           "/metrics2", "/login"}) {
    EXPECT_FALSE(is_api_path(path)) << path;
  }
}

TEST(StaticFiles, HeadCarriesTheGetsLengthWithoutABody) {
  tiket::http::StaticFile file{"<html></html>", "text/html", "\"d-1\"", "no-cache", {}};
  tiket::http::Request req;
  req.method = tiket::http::Method::Head;
  const auto r = tiket::http::serve_static(file, req);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.head_content_length, std::optional<std::size_t>(13));
}

TEST(CorsConfig, OriginsAreListedExactlyAndLowerCased) {
  const auto cfg = tiket::core::load_config(
      {{"CORS_ALLOWED_ORIGINS", " https://App.Example , http://localhost:3000,http://[::1]:8080"}});
  EXPECT_EQ(cfg.cors_allowed_origins,
            (std::vector<std::string>{"https://app.example", "http://localhost:3000",
                                      "http://[::1]:8080"}));
  EXPECT_TRUE(tiket::core::load_config({}).cors_allowed_origins.empty());
  for (const auto* bad : {"*", "https://*.example", "https://a.example/", "a.example",
                          "https://a.example,", "file://x", "https://"}) {
    EXPECT_THROW(tiket::core::load_config({{"CORS_ALLOWED_ORIGINS", bad}}),
                 tiket::core::ConfigError)
        << bad;
  }
}
