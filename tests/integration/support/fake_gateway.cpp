#include "support/fake_gateway.hpp"

#include <chrono>
#include <regex>
#include <stdexcept>
#include <thread>

namespace tiket::test {

FakeGateway::FakeGateway(double time_scale) {
  process_ = std::make_unique<Process>(
      TIKET_NODE_BIN,
      std::vector<std::string>{TIKET_FAKE_MIDTRANS, "--port", "0", "--time-scale",
                               std::to_string(time_scale)},
      EnvOverrides{{"MIDTRANS_SERVER_KEY", kGatewayServerKey}});
  static const std::regex kListening(R"(fake-midtrans listening on http://127\.0\.0\.1:(\d+))");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto out = process_->output();
    std::smatch m;
    if (std::regex_search(out, m, kListening)) {
      port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
      return;
    }
    if (process_->wait(std::chrono::milliseconds(0))) {
      throw std::runtime_error("fake gateway exited during start-up:\n" + out);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("fake gateway did not start:\n" + process_->output());
}

EnvOverrides FakeGateway::api_env() const {
  return {{"MIDTRANS_SERVER_KEY", kGatewayServerKey},
          {"MIDTRANS_SNAP_URL", base_url()},
          {"MIDTRANS_API_URL", base_url()}};
}

HttpResponse FakeGateway::post(const std::string& path, const nlohmann::json& body) const {
  HttpClient client(base_url());
  return client.post_json(path, body.dump());
}

HttpResponse FakeGateway::get(const std::string& path) const {
  HttpClient client(base_url());
  return client.get(path);
}

void FakeGateway::notify_to(const std::string& api_base) const {
  const auto r = post("/_fake/config", {{"notify_url", api_base + "/api/payments/notifications"}});
  if (r.status != 200) {
    throw std::runtime_error("fake config failed: " + r.body);
  }
}

nlohmann::json FakeGateway::transaction(const std::string& order_id) const {
  const auto r = get("/_fake/transactions/" + order_id);
  return r.status == 200 ? r.json() : nlohmann::json(nullptr);
}

nlohmann::json FakeGateway::set_status(const std::string& order_id,
                                       const std::string& transaction_status,
                                       const std::string& notify,
                                       const nlohmann::json& extra) const {
  nlohmann::json body = extra;
  body["transaction_status"] = transaction_status;
  body["notify"] = notify;
  const auto r = post("/_fake/transactions/" + order_id + "/status", body);
  if (r.status != 200) {
    throw std::runtime_error("fake set_status failed: " + std::to_string(r.status) + " " + r.body);
  }
  return r.json();
}

nlohmann::json FakeGateway::send(const nlohmann::json& notification, int copies, bool sign) const {
  const auto r = post("/_fake/notifications",
                      {{"notification", notification}, {"copies", copies}, {"sign", sign}});
  if (r.status != 200) {
    throw std::runtime_error("fake send failed: " + std::to_string(r.status) + " " + r.body);
  }
  return r.json();
}

void FakeGateway::fault(const nlohmann::json& spec) const {
  const auto r = post("/_fake/faults", spec);
  if (r.status != 200) {
    throw std::runtime_error("fake fault failed: " + std::to_string(r.status) + " " + r.body);
  }
}

}  // namespace tiket::test
