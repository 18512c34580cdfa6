#include "support/api.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <regex>
#include <stdexcept>
#include <thread>

namespace tiket::test {

std::string bearer(const std::string& token) {
  return "Authorization: Bearer " + token;
}

Api::Api(EnvOverrides extra)
    : db_(std::make_unique<TestDatabase>()), local_dir_(temp_dir("tiket-api-local")) {
  extra["LOCAL_DIR"] = local_dir_;
  extra.emplace("COMMON_PASSWORDS_FILE", TIKET_DATA_DIR "/common-passwords.txt");
  // Suites make many calls from one address; tests that are about a limit set it explicitly.
  for (const char* limit :
       {"RATE_LIMIT_LOGIN_IP", "RATE_LIMIT_LOGIN_ACCOUNT", "RATE_LIMIT_LOGIN_CODE_IP",
        "RATE_LIMIT_LOGIN_CODE_ACCOUNT", "RATE_LIMIT_VERIFY_IP", "RATE_LIMIT_VERIFY_ACCOUNT",
        "RATE_LIMIT_REGISTER_IP", "RATE_LIMIT_USERS_CREATE"}) {
    extra.emplace(limit, "10000/60");
  }
  auto env = server_env(db_->url_string(), extra);
  env["ADMIN_PASSWORD"] = kAdminPassword;
  Process create(TIKET_API_BIN, {"create-admin", "--email", kAdminEmail, "--name", "Root"}, env);
  const auto code = create.wait(std::chrono::seconds(60));
  if (code != 0) {
    throw std::runtime_error("create-admin failed:\n" + create.output());
  }
  env.erase("ADMIN_PASSWORD");
  server_ = std::make_unique<Server>(TIKET_API_BIN, env);
}

Api::~Api() {
  // A failed test shows how the server ended and what it printed last (a sanitizer report, a
  // crash): a request that got no answer at all says nothing by itself.
  if (::testing::Test::HasFailure() && server_) {
    const auto exited = server_->process().wait(std::chrono::milliseconds(0));
    const auto out = server_->process().output();
    constexpr std::size_t kTail = 8192;
    std::cerr << "---- tiket-api "
              << (exited ? "exited with " + std::to_string(*exited) : "running")
              << "; the end of its output:\n"
              << out.substr(out.size() > kTail ? out.size() - kTail : 0) << "\n----\n";
  }
  server_.reset();
  std::filesystem::remove_all(local_dir_);
}

HttpResponse Api::post(const std::string& path, const nlohmann::json& body,
                       const std::string& token, std::vector<std::string> headers) const {
  if (!token.empty()) {
    headers.push_back(bearer(token));
  }
  return HttpClient(base()).post_json(path, body.dump(), headers);
}

HttpResponse Api::patch(const std::string& path, const nlohmann::json& body,
                        const std::string& token) const {
  return HttpClient(base()).request("PATCH", path, body.dump(),
                                    {"Content-Type: application/json", bearer(token)});
}

HttpResponse Api::get(const std::string& path, const std::string& token) const {
  std::vector<std::string> headers;
  if (!token.empty()) {
    headers.push_back(bearer(token));
  }
  return HttpClient(base()).get(path, headers);
}

HttpResponse Api::register_user(const std::string& email, const std::string& password,
                                const std::string& name) const {
  return post("/api/auth/register", {{"email", email}, {"password", password}, {"name", name}});
}

HttpResponse Api::login(const std::string& email, const std::string& password) const {
  return post("/api/auth/login", {{"email", email}, {"password", password}});
}

nlohmann::json Api::run_job(const std::string& name, const std::string& token) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  const auto pause = [] { std::this_thread::sleep_for(std::chrono::milliseconds(50)); };
  std::int64_t run_id = 0;
  while (run_id == 0) {
    const auto r = post("/api/admin/jobs/" + name + "/run", nlohmann::json::object(), token);
    if (r.status == 202) {
      run_id = r.json()["run_id"].get<std::int64_t>();
    } else if (r.status != 409 || std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("run " + name + ": " + std::to_string(r.status) + " " + r.body);
    } else {
      pause();
    }
  }
  for (;;) {
    const auto r = get("/api/admin/jobs/" + name + "/runs?limit=100", token);
    if (r.status != 200) {
      throw std::runtime_error("runs of " + name + ": " + std::to_string(r.status) + " " + r.body);
    }
    const auto page = r.json();
    for (const auto& run : page["items"]) {
      if (run["id"] == run_id && run["outcome"] != "running") {
        return run;
      }
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("run " + std::to_string(run_id) + " of " + name +
                               " did not finish in time");
    }
    pause();
  }
}

nlohmann::json Api::customer_tokens(const std::string& email, const std::string& password) const {
  const auto reg = register_user(email, password);
  if (reg.status != 201 && reg.status != 409) {
    throw std::runtime_error("register failed: " + std::to_string(reg.status) + " " + reg.body);
  }
  const auto r = login(email, password);
  if (r.status != 200) {
    throw std::runtime_error("login failed: " + std::to_string(r.status) + " " + r.body);
  }
  return r.json();
}

nlohmann::json Api::admin_tokens() const {
  const auto r = login(kAdminEmail, kAdminPassword);
  if (r.status != 200) {
    throw std::runtime_error("admin login failed: " + r.body);
  }
  return r.json();
}

std::string Api::latest_code(const std::string& email) const {
  const auto admin = admin_tokens()["access_token"].get<std::string>();
  const auto r = get("/api/admin/mail-outbox?to=" + email, admin);
  if (r.status != 200 || r.json()["items"].empty()) {
    throw std::runtime_error("no mail for " + email + ": " + r.body);
  }
  static const std::regex kCode(R"(\b(\d{6})\b)");
  std::smatch m;
  const auto body = r.json()["items"][0]["body"].get<std::string>();
  if (!std::regex_search(body, m, kCode)) {
    throw std::runtime_error("no code in mail: " + body);
  }
  return m[1];
}

}  // namespace tiket::test
