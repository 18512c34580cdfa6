#include "http/router.hpp"

#include <stdexcept>

#include "core/errors.hpp"
#include "core/percent_encoding.hpp"

namespace tiket::http {

namespace {
bool is_param(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}
}  // namespace

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    const auto next = path.find('/', pos);
    const auto end = next == std::string_view::npos ? path.size() : next;
    out.push_back(path.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

void Router::add(Method method, std::string path_template, Handler handler, Execution execution) {
  Route route;
  route.method = method;
  for (const auto segment : split_path(path_template)) {
    route.segments.emplace_back(segment);
  }
  route.path_template = std::move(path_template);
  route.handler = std::move(handler);
  route.execution = execution;
  route.id = routes_.size();
  const auto same_shape = [](const Route& a, const Route& b) {
    if (a.segments.size() != b.segments.size()) {
      return false;
    }
    for (std::size_t i = 0; i < a.segments.size(); ++i) {
      const bool both_params = is_param(a.segments[i]) && is_param(b.segments[i]);
      if (!both_params && a.segments[i] != b.segments[i]) {
        return false;
      }
    }
    return true;
  };
  for (const auto& existing : routes_) {
    if (existing.method == method && same_shape(existing, route)) {
      throw std::logic_error("duplicate route " + std::string(to_string(method)) + " " +
                             route.path_template);
    }
  }
  routes_.push_back(std::move(route));
}

void Router::add(Method method, std::string path_template, FastPath fast_path, Handler handler) {
  add(method, std::move(path_template), std::move(handler), Execution::Worker);
  routes_.back().fast_path = std::move(fast_path);
}

void Router::add_deferred(Method method, std::string path_template, DeferredPath deferred,
                          Handler handler) {
  add(method, std::move(path_template), std::move(handler), Execution::Worker);
  routes_.back().deferred = std::move(deferred);
}

void Router::add_stream(std::string path_template, StreamHandler open, StreamPoll poll) {
  add(Method::Get, std::move(path_template), Handler(), Execution::Stream);
  routes_.back().stream = std::move(open);
  routes_.back().poll = std::move(poll);
}

RouteMatch Router::match(Method method, std::string_view path) const {
  const auto parts = split_path(path);
  RouteMatch result;
  for (const auto& route : routes_) {
    if (route.segments.size() != parts.size()) {
      continue;
    }
    bool same_shape = true;
    for (std::size_t i = 0; i < parts.size() && same_shape; ++i) {
      same_shape = is_param(route.segments[i]) || route.segments[i] == parts[i];
    }
    if (!same_shape) {
      continue;
    }
    if (route.method != method) {
      if (!result.allow.empty()) {
        result.allow += ", ";
      }
      result.allow += to_string(route.method);
      continue;
    }
    result.kind = RouteMatch::Kind::Found;
    result.route = &route;
    result.allow.clear();
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (is_param(route.segments[i])) {
        const auto& seg = route.segments[i];
        try {
          result.params.emplace_back(seg.substr(1, seg.size() - 2), core::percent_decode(parts[i]));
        } catch (const std::invalid_argument&) {
          throw core::AppError::bad_request("The path contains a malformed %-escape.");
        }
      }
    }
    return result;
  }
  result.kind =
      result.allow.empty() ? RouteMatch::Kind::NotFound : RouteMatch::Kind::MethodNotAllowed;
  return result;
}

}  // namespace tiket::http
