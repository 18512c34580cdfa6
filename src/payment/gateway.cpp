#include "payment/gateway.hpp"

#include <curl/curl.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/backoff.hpp"
#include "core/logging.hpp"

namespace tiket::payment {

namespace {

constexpr std::size_t kMaxReplyBytes = 1 << 20;

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

struct Sink {
  std::string data;
  bool overflow = false;
};

std::size_t write_reply(char* ptr, std::size_t size, std::size_t nmemb, void* userdata) {
  auto* sink = static_cast<Sink*>(userdata);
  const std::size_t n = size * nmemb;
  if (sink->data.size() + n > kMaxReplyBytes) {
    sink->overflow = true;
    return 0;  // aborts the transfer
  }
  sink->data.append(ptr, n);
  return n;
}

template <typename T>
void set_option(CURL* curl, CURLoption option, T value) {
  if (curl_easy_setopt(curl, option, value) != CURLE_OK) {
    throw std::runtime_error("gateway: cannot set up the transfer");
  }
}

// Midtrans answers errors as {"error_messages": [...]} (Snap) or {"status_message": ...}.
std::string error_text(const std::string& body) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_object()) {
    if (const auto it = json.find("error_messages"); it != json.end() && it->is_array()) {
      std::string out;
      for (const auto& m : *it) {
        if (m.is_string()) {
          out += (out.empty() ? "" : "; ") + m.get<std::string>();
        }
      }
      return out;
    }
    if (const auto it = json.find("status_message"); it != json.end() && it->is_string()) {
      return it->get<std::string>();
    }
  }
  return "no error message";
}

// Order ids are letters, digits and "-_~." (checked when made), so they need no escaping.
std::string status_url(const std::string& base, const std::string& order_id) {
  return base + "/v2/" + order_id + "/status";
}

}  // namespace

std::string snap_request_body(const SnapOrder& order) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& item : order.items) {
    items.push_back(
        {{"id", item.id}, {"price", item.price}, {"quantity", item.quantity}, {"name", item.name}});
  }
  const nlohmann::json body = {
      {"transaction_details", {{"order_id", order.order_id}, {"gross_amount", order.gross_amount}}},
      {"item_details", items},
      {"customer_details", {{"first_name", order.customer_name}, {"email", order.customer_email}}},
      {"expiry",
       {{"start_time", order.start_time + " +0000"},
        {"unit", "minute"},
        {"duration", order.expiry_minutes}}}};
  return body.dump();
}

MidtransClient::MidtransClient(const Settings& settings)
    : settings_(settings), breaker_(settings.breaker_failures, settings.breaker_cooldown) {}

void MidtransClient::observe(std::string_view call, std::string_view outcome,
                             std::chrono::steady_clock::time_point started) const {
  if (on_call) {
    on_call(call, outcome,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
}

MidtransClient::Reply MidtransClient::send(std::string_view call, const std::string& url,
                                           const std::string* post_body) {
  const auto started = std::chrono::steady_clock::now();
  if (!breaker_.allow()) {
    observe(call, "breaker_open", started);
    throw GatewayError(GatewayError::Kind::unavailable,
                       "the payment gateway is failing; calls are paused",
                       breaker_.retry_after_seconds());
  }
  const std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  const auto add_header = [&headers](const std::string& line) {
    auto* list = curl_slist_append(headers.get(), line.c_str());
    if (list == nullptr) {
      throw std::runtime_error("gateway: out of memory");
    }
    static_cast<void>(headers.release());
    headers.reset(list);
  };
  if (!curl) {
    throw std::runtime_error("gateway: out of memory");
  }
  CURL* h = curl.get();
  Sink sink;
  add_header("Accept: application/json");
  set_option(h, CURLOPT_URL, url.c_str());
  set_option(h, CURLOPT_PROTOCOLS_STR, "http,https");
  set_option(h, CURLOPT_NOSIGNAL, 1L);
  set_option(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings_.connect_timeout.count()));
  set_option(h, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout.count()));
  set_option(h, CURLOPT_USERNAME, settings_.server_key.c_str());
  set_option(h, CURLOPT_PASSWORD, "");
  set_option(h, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
  set_option(h, CURLOPT_WRITEFUNCTION, write_reply);
  set_option(h, CURLOPT_WRITEDATA, &sink);
  if (post_body != nullptr) {
    add_header("Content-Type: application/json");
    if (!settings_.callback_url.empty()) {
      add_header("X-Override-Notification: " + settings_.callback_url);
    }
    set_option(h, CURLOPT_POSTFIELDS, post_body->c_str());
    set_option(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(post_body->size()));
  }
  set_option(h, CURLOPT_HTTPHEADER, headers.get());

  const CURLcode rc = curl_easy_perform(h);
  Reply reply;
  if (rc != CURLE_OK || sink.overflow) {
    breaker_.record_failure();
    const bool timeout = rc == CURLE_OPERATION_TIMEDOUT;
    observe(call, timeout ? "timeout" : "error", started);
    core::log::warn(
        "payment gateway call failed",
        {{"call", call}, {"error", sink.overflow ? "reply too large" : curl_easy_strerror(rc)}});
    throw GatewayError(GatewayError::Kind::unavailable,
                       timeout ? "the payment gateway did not answer in time"
                               : "the payment gateway could not be reached",
                       1);
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
  reply.body = std::move(sink.data);
  if (reply.status >= 500) {
    breaker_.record_failure();
    observe(call, "server_error", started);
    core::log::warn("payment gateway answered a server error",
                    {{"call", call}, {"status", reply.status}});
    throw GatewayError(GatewayError::Kind::unavailable,
                       "the payment gateway answered " + std::to_string(reply.status), 1);
  }
  breaker_.record_success();
  observe(call,
          reply.status < 300    ? "ok"
          : reply.status == 404 ? "not_found"
                                : "rejected",
          started);
  return reply;
}

SnapTransaction MidtransClient::create(const SnapOrder& order) {
  const auto body = snap_request_body(order);
  const auto url = settings_.snap_url + "/snap/v1/transactions";
  for (unsigned attempt = 1;; ++attempt) {
    try {
      const auto reply = send("create", url, &body);
      if (reply.status != 200 && reply.status != 201) {
        throw GatewayError(GatewayError::Kind::rejected,
                           "the payment gateway refused the order: " + error_text(reply.body));
      }
      const auto json = nlohmann::json::parse(reply.body, nullptr, false);
      if (!json.is_object() || !json.contains("token") || !json["token"].is_string() ||
          !json.contains("redirect_url") || !json["redirect_url"].is_string()) {
        throw GatewayError(GatewayError::Kind::rejected,
                           "the payment gateway's answer has no token and redirect_url");
      }
      return {json["token"].get<std::string>(), json["redirect_url"].get<std::string>()};
    } catch (const GatewayError& e) {
      // Only a failure that may not have reached the gateway, or that it called temporary, is
      // worth another try; the same order_id makes the retry safe.
      if (e.kind() != GatewayError::Kind::unavailable || attempt >= settings_.create_attempts ||
          breaker_.state() == CircuitBreaker::State::open) {
        throw;
      }
      std::this_thread::sleep_for(core::backoff_delay(
          attempt - 1, {std::chrono::milliseconds(100), std::chrono::milliseconds(1000)},
          core::fast_random()));
    }
  }
}

std::optional<GatewayStatus> MidtransClient::status(const std::string& order_id) {
  const auto reply = send("status", status_url(settings_.api_url, order_id), nullptr);
  if (reply.status == 404) {
    return std::nullopt;
  }
  if (reply.status != 200) {
    throw GatewayError(GatewayError::Kind::rejected,
                       "the payment gateway refused the status request: " + error_text(reply.body));
  }
  const auto json = nlohmann::json::parse(reply.body, nullptr, false);
  // The Core API may also say "not found" with HTTP 200 and status_code "404" in the body.
  if (json.is_object() && json.value("status_code", "") == "404") {
    return std::nullopt;
  }
  try {
    return parse_gateway_status(json, reply.body);
  } catch (const std::exception&) {
    throw GatewayError(GatewayError::Kind::rejected,
                       "the payment gateway's status answer is missing fields");
  }
}

}  // namespace tiket::payment
