#include "jobs/routes.hpp"

#include <string>

#include "http/page.hpp"
#include "http/query.hpp"

namespace tiket::jobs {

namespace {
using http::Method;
using http::Request;
using http::Response;
using identity::Principal;
using identity::Role;

template <typename T>
nlohmann::json or_null(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json schedule_json(const Schedule& s, const std::string& tz) {
  if (s.kind == Schedule::Kind::interval) {
    return {{"kind", "interval"}, {"every_seconds", s.every.count()}};
  }
  const auto two = [](int n) {
    return std::string{static_cast<char>('0' + n / 10), static_cast<char>('0' + n % 10)};
  };
  const auto at = two(s.minute_of_day / 60) + ":" + two(s.minute_of_day % 60);
  return {{"kind", "daily"}, {"at", at}, {"time_zone", tz}};
}
}  // namespace

nlohmann::json to_json(const Run& run) {
  return {{"id", run.id},
          {"job", run.job},
          {"replica", run.replica},
          {"trigger", run.trigger},
          {"admin_id", or_null(run.admin_id)},
          {"due_at", or_null(run.due_at)},
          {"started_at", run.started_at},
          {"finished_at", or_null(run.finished_at)},
          {"outcome", run.outcome},
          {"rows_affected", run.rows_affected},
          {"detail", run.detail},
          {"error", or_null(run.error)}};
}

void register_routes(http::Router& router, const JobRouteDeps& deps) {
  router.add(Method::Get, "/api/admin/jobs",
             deps.authenticator.require({Role::admin}, [&deps](Request& req, const Principal&) {
               http::QueryReader(req, {}).finish();
               nlohmann::json items = nlohmann::json::array();
               for (const auto& s : deps.scheduler.status()) {
                 items.push_back(
                     {{"name", s.job->name},
                      {"description", s.job->description},
                      {"schedule", schedule_json(s.job->schedule, deps.business_tz)},
                      {"timeout_seconds", s.job->timeout.count()},
                      {"running", s.running},
                      {"locked_by", or_null(s.locked_by)},
                      {"next_due_at", s.next_due_at},
                      {"last_run", s.last_run ? to_json(*s.last_run) : nlohmann::json(nullptr)}});
               }
               return Response::json(200, {{"items", items}});
             }));

  router.add(Method::Post, "/api/admin/jobs/{name}/run",
             deps.authenticator.require({Role::admin}, [&deps](Request& req, const Principal& me) {
               const std::string name(*req.param("name"));
               const auto run_id = deps.scheduler.run_now(name, me.user_id);
               auto resp = Response::json(202, {{"job", name}, {"run_id", run_id}});
               resp.headers.emplace_back("Location", "/api/admin/jobs/" + name + "/runs");
               return resp;
             }));

  router.add(Method::Get, "/api/admin/jobs/{name}/runs",
             deps.authenticator.require({Role::admin}, [&deps](Request& req, const Principal&) {
               http::QueryReader in(req, {"cursor", "limit"});
               const auto cursor = in.string("cursor", 64);
               const auto limit = in.limit();
               in.finish();
               const auto page =
                   deps.scheduler.runs(std::string(*req.param("name")), cursor, limit);
               return Response::json(200, http::page_json(page));
             }));
}

}  // namespace tiket::jobs
