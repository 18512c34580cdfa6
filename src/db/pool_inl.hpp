#pragma once

#include <cppconn/exception.h>

#include "db/errors.hpp"

namespace tiket::db {

template <typename F>
auto with_connection(Pool& pool, F&& work) -> decltype(work(std::declval<Connection&>())) {
  auto lease = pool.acquire();
  try {
    return work(*lease);
  } catch (const sql::SQLException& e) {
    if (is_connection_error(e.getErrorCode())) {
      lease.mark_broken();
    }
    throw;
  }
}

}  // namespace tiket::db
