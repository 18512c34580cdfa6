#pragma once

// Shared by the harnesses: input slicing, property checks that fail like a crash, and the
// problem+json rendering every client-facing error goes through.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"

namespace tiket::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The first `parts - 1` pieces up to each `separator`, then the rest (possibly containing more
// separators). Missing pieces are empty.
inline std::vector<std::string_view> split(std::string_view text, char separator,
                                           std::size_t parts) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < parts) {
    const auto at = text.find(separator);
    if (at == std::string_view::npos) {
      break;
    }
    out.push_back(text.substr(0, at));
    text.remove_prefix(at + 1);
  }
  out.push_back(text);
  out.resize(parts);
  return out;
}

// A broken property is a finding: report it and abort so that libFuzzer saves the input.
inline void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz property violated: %s\n", what);
    std::abort();
  }
}

// What the dispatcher does with an error a parser threw: it must be a 4xx AppError (anything
// else would be a 500 on bad input) and must render as a JSON problem document.
inline void expect_client_error(const std::exception_ptr& error) {
  const auto problem = core::problem_from_exception(error);
  require(!problem.internal, "bad input raised something other than AppError");
  require(problem.status >= 400 && problem.status < 500, "bad input gave a non-4xx status");
  const auto body = core::render_problem(problem, "/fuzz", "fuzz");
  require(nlohmann::json::accept(body), "the problem document is not valid JSON");
}

// Runs `parse`; an AppError it throws is checked as above, any other exception escapes (and
// libFuzzer reports it as a crash).
template <typename Parse>
void parse_or_client_error(Parse&& parse) {
  try {
    parse();
  } catch (const core::AppError&) {
    expect_client_error(std::current_exception());
  }
}

}  // namespace tiket::fuzz
