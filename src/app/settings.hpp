#pragma once

#include <string>

#include "auth/settings.hpp"
#include "booking/settings.hpp"
#include "catalog/settings.hpp"
#include "core/config.hpp"
#include "jobs/settings.hpp"
#include "payment/settings.hpp"
#include "reporting/settings.hpp"

namespace tiket::app {

// Everything the process reads from the environment: the server, database and logging
// settings (core), each module's own, and the CLI's.
struct Settings {
  core::Config core;
  auth::Settings auth;
  catalog::Settings catalog;
  booking::Settings booking;
  payment::Settings payment;
  jobs::Settings jobs;
  reporting::Settings reporting;
  // seed-demo's concerts and ticket types.
  std::string demo_catalog_file = "data/demo-catalog.json";
};

// Pure: the same environment always gives the same Settings or the same core::ConfigError,
// whose one-line message starts with the variable's name.
Settings load_settings(const core::Environment& env);

}  // namespace tiket::app
