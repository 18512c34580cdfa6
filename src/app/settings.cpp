#include "app/settings.hpp"

namespace tiket::app {

Settings load_settings(const core::Environment& environment) {
  const core::EnvReader env(environment);
  Settings s;
  s.core = core::load_config(environment);
  s.auth = auth::read_settings(env, s.core.app_env);
  s.catalog = catalog::read_settings(env);
  s.booking = booking::read_settings(env);
  s.payment = payment::read_settings(env, s.core.app_env);
  s.jobs = jobs::read_settings(env, s.core.app_env);
  s.reporting = reporting::read_settings(env);
  s.demo_catalog_file = env.text("DEMO_CATALOG_FILE", s.demo_catalog_file);
  return s;
}

}  // namespace tiket::app
