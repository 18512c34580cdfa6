-- wrk script for the payments section (scripts/bench/payments.sh): POSTs signed gateway
-- notifications to the webhook, one line of BENCH_NOTIFICATIONS_FILE after another (each a
-- settlement for an order the section already paid, so each is a verified duplicate: the
-- gateway's retry storm).
local bodies = {}
for line in io.lines(os.getenv("BENCH_NOTIFICATIONS_FILE")) do
  bodies[#bodies + 1] = line
end

local n = 0
function request()
  n = n + 1
  return wrk.format("POST", "/api/payments/notifications",
    {["Content-Type"] = "application/json"}, bodies[(n % #bodies) + 1])
end
