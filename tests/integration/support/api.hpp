#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/test_db.hpp"

namespace tiket::test {

inline const std::string kAdminEmail = "root-admin@tiket.test";
inline const std::string kAdminPassword = "Admin-pass-for-tests-1";

// A real tiket-api process on its own database and key directory, with an admin created
// through the `create-admin` command, plus helpers for the calls most tests make.
class Api {
 public:
  explicit Api(EnvOverrides extra = {});
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;
  Api(Api&&) = delete;
  Api& operator=(Api&&) = delete;

  std::string base() const { return server_->base_url(); }
  TestDatabase& db() { return *db_; }
  const std::string& local_dir() const { return local_dir_; }
  Server& server() { return *server_; }

  HttpResponse post(const std::string& path, const nlohmann::json& body,
                    const std::string& token = "", std::vector<std::string> headers = {}) const;
  HttpResponse patch(const std::string& path, const nlohmann::json& body,
                     const std::string& token) const;
  HttpResponse get(const std::string& path, const std::string& token = "") const;

  HttpResponse register_user(const std::string& email, const std::string& password,
                             const std::string& name = "Test User") const;
  HttpResponse login(const std::string& email, const std::string& password) const;
  // Registers (if needed) and logs in; returns the token object.
  nlohmann::json customer_tokens(const std::string& email,
                                 const std::string& password = "correct-horse-42") const;
  nlohmann::json admin_tokens() const;
  // POST /api/admin/jobs/{name}/run (again while it answers 409: the schedule may be running
  // the job), then waits for the run to finish and returns it (a job_runs item: outcome,
  // rows_affected, detail). Throws when the run does not start or finish within a minute.
  nlohmann::json run_job(const std::string& name, const std::string& token) const;
  // The newest login code mailed to `email`, read through the admin outbox endpoint.
  std::string latest_code(const std::string& email) const;

 private:
  std::unique_ptr<TestDatabase> db_;
  std::string local_dir_;
  std::unique_ptr<Server> server_;
};

std::string bearer(const std::string& token);

}  // namespace tiket::test
