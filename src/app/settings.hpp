#pragma once

#include "auth/settings.hpp"
#include "booking/settings.hpp"
#include "catalog/settings.hpp"
#include "core/config.hpp"

namespace tiket::app {

// Everything the process reads from the environment: the server, database and logging
// settings (core) and each module's own.
struct Settings {
  core::Config core;
  auth::Settings auth;
  catalog::Settings catalog;
  booking::Settings booking;
};

// Pure: the same environment always gives the same Settings or the same core::ConfigError,
// whose one-line message starts with the variable's name.
Settings load_settings(const core::Environment& env);

}  // namespace tiket::app
