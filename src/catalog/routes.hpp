#pragma once

#include "auth/authenticator.hpp"
#include "catalog/service.hpp"
#include "http/router.hpp"

namespace tiket::catalog {

struct CatalogRouteDeps {
  CatalogService& catalog;
  const auth::Authenticator& authenticator;
};

// GET/POST /api/concerts, GET/PATCH/DELETE /api/concerts/{id},
// POST /api/concerts/{id}/ticket-types.
void register_routes(http::Router& router, const CatalogRouteDeps& deps);

}  // namespace tiket::catalog
