#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "support/http_client.hpp"
#include "support/process.hpp"

namespace tiket::test {

inline const std::string kGatewayServerKey = "SB-Mid-server-test-key-4f1c";

// The fake Midtrans gateway (tests/fakes/midtrans/server.js) as a real process on loopback,
// with its control API. Retry delays are compressed by `time_scale`.
class FakeGateway {
 public:
  explicit FakeGateway(double time_scale = 0.0005);

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The environment that points tiket-api at this fake.
  EnvOverrides api_env() const;

  // POST/GET on the fake's own API (the control API under /_fake/ included).
  HttpResponse post(const std::string& path, const nlohmann::json& body) const;
  HttpResponse get(const std::string& path) const;

  // Where notifications go: our webhook on the API's port.
  void notify_to(const std::string& api_base) const;
  // The fake's view of one transaction, or null when it has none.
  nlohmann::json transaction(const std::string& order_id) const;
  // Sets the status and delivers the notification (mode: normal, none, duplicate,
  // wrong_signature); returns the fake's answer (with our webhook's answers in "deliveries").
  nlohmann::json set_status(const std::string& order_id, const std::string& transaction_status,
                            const std::string& notify = "normal",
                            const nlohmann::json& extra = nlohmann::json::object()) const;
  // Sends `copies` of a crafted notification at once, signed with the server key when `sign`.
  nlohmann::json send(const nlohmann::json& notification, int copies = 1, bool sign = true) const;
  void fault(const nlohmann::json& spec) const;
  // What the fake logged (each call, fault and notification attempt), for failure messages.
  std::string log() const { return process_->output(); }

 private:
  std::unique_ptr<Process> process_;
  std::uint16_t port_ = 0;
};

}  // namespace tiket::test
