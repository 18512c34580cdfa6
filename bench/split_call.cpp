// The cost of a service split (exercises/monolith-first): one catalog lookup, "the concert with
// its ticket types", done the two ways a caller in another module could do it:
//   InProcess  a call to catalog::CatalogService::get, as the booking module would make it in
//              this monolith; the result is the domain struct;
//   Http       GET /api/concerts/{id} on a running tiket-api over loopback, one keep-alive
//              connection, and the JSON parsed back into a document, as a separate booking
//              service would have to.
// Each runs against the read cache (TTL 2 s; what a repeated lookup costs) and without it
// (TTL 0: one SQL query per call), single-threaded, so the figures are latencies per call.
//
// Environment (scripts/bench.sh split sets all of them):
//   DATABASE_URL        the database tiket-api uses (for the in-process service)
//   TIKET_URL           a tiket-api with the cache on, e.g. http://127.0.0.1:41234
//   TIKET_URL_UNCACHED  a tiket-api started with CATALOG_CACHE_TTL_MS=0
//   CONCERT_ID          a published concert with ticket types
#include <benchmark/benchmark.h>
#include <curl/curl.h>
#include <fmt/core.h>
#include <mysql_driver.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

#include "catalog/service.hpp"
#include "core/database_url.hpp"
#include "db/pool.hpp"

namespace {

using namespace std::chrono_literals;
using tiket::catalog::CatalogOptions;
using tiket::catalog::CatalogService;

std::string required_env(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read before threads
  if (value == nullptr || *value == '\0') {
    throw std::runtime_error(std::string(name) + " is not set (scripts/bench.sh split sets it)");
  }
  return value;
}

std::int64_t concert_id() {
  return std::stoll(required_env("CONCERT_ID"));
}

// One pool for both in-process services: what a module in this process shares.
tiket::db::Pool& pool() {
  static tiket::db::Pool instance = [] {
    tiket::db::PoolOptions options;
    options.url = tiket::core::parse_database_url(required_env("DATABASE_URL"));
    options.size = 2;
    return tiket::db::Pool(*sql::mysql::get_mysql_driver_instance(), options);
  }();
  return instance;
}

CatalogService& service(std::chrono::milliseconds ttl) {
  static prometheus::Registry registry;
  static CatalogService cached(pool(), CatalogOptions{.cache_ttl = 2000ms}, registry);
  static CatalogService uncached(pool(), CatalogOptions{.cache_ttl = 0ms}, registry);
  return ttl == 0ms ? uncached : cached;
}

void in_process(benchmark::State& state, std::chrono::milliseconds ttl) {
  CatalogService& catalog = service(ttl);
  const std::int64_t id = concert_id();
  const std::optional<tiket::identity::Principal> anonymous;
  for (auto _ : state) {
    auto concert = catalog.get(id, anonymous);
    benchmark::DoNotOptimize(concert);
  }
}

std::size_t append(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};

void over_http(benchmark::State& state, const char* base_env) {
  const std::string url = required_env(base_env) + "/api/concerts/" + std::to_string(concert_id());
  const std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) {
    state.SkipWithError("curl_easy_init failed");
    return;
  }
  std::string body;
  // curl_easy_setopt is a C variadic macro; the handle is reused, so the connection is kept.
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &append);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl.get(), CURLOPT_TCP_NODELAY, 1L);
  for (auto _ : state) {
    body.clear();
    long status = 0;
    if (curl_easy_perform(curl.get()) != CURLE_OK ||
        curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status) != CURLE_OK ||
        status != 200) {
      state.SkipWithError("GET /api/concerts/{id} did not answer 200");
      return;
    }
    auto doc = nlohmann::json::parse(body);
    benchmark::DoNotOptimize(doc);
  }
}

void in_process_cached(benchmark::State& state) {
  in_process(state, 2000ms);
}
void in_process_uncached(benchmark::State& state) {
  in_process(state, 0ms);
}
void http_cached(benchmark::State& state) {
  over_http(state, "TIKET_URL");
}
void http_uncached(benchmark::State& state) {
  over_http(state, "TIKET_URL_UNCACHED");
}

}  // namespace

BENCHMARK(in_process_cached)->Name("InProcess/cached")->MinTime(2.0);
BENCHMARK(http_cached)->Name("Http/cached")->MinTime(2.0);
BENCHMARK(in_process_uncached)->Name("InProcess/uncached")->MinTime(2.0);
BENCHMARK(http_uncached)->Name("Http/uncached")->MinTime(2.0);

int main(int argc, char** argv) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 2;
  }
  try {
    benchmark::RunSpecifiedBenchmarks();
  } catch (const std::exception& e) {
    fmt::print(stderr, "tiket-bench-split: {}\n", e.what());
    return 1;
  }
  benchmark::Shutdown();
  curl_global_cleanup();
  return 0;
}
