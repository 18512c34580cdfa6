#pragma once

#include "catalog/service.hpp"
#include "http/authenticator.hpp"
#include "http/router.hpp"

namespace tiket::catalog {

struct CatalogRouteDeps {
  CatalogService& catalog;
  const http::Authenticator& authenticator;
};

// GET/POST /api/concerts, GET/PATCH/DELETE /api/concerts/{id},
// POST /api/concerts/{id}/ticket-types.
void register_routes(http::Router& router, const CatalogRouteDeps& deps);

}  // namespace tiket::catalog
