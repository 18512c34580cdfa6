#pragma once

#include "http/authenticator.hpp"
#include "http/router.hpp"
#include "jobs/scheduler.hpp"

namespace tiket::jobs {

struct JobRouteDeps {
  Scheduler& scheduler;
  const http::Authenticator& authenticator;
  std::string business_tz;  // shown with daily schedules
};

// Admin only (docs/api.md, Jobs):
// GET  /api/admin/jobs               every job: schedule, running, next due, last run
// POST /api/admin/jobs/{name}/run    202 {run_id}; 409 while it runs anywhere; 404 unknown
// GET  /api/admin/jobs/{name}/runs   its history, newest first, paged
void register_routes(http::Router& router, const JobRouteDeps& deps);

nlohmann::json to_json(const Run& run);

}  // namespace tiket::jobs
