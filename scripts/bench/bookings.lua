-- wrk script for the bookings section (scripts/bench/bookings.sh). Every request books one
-- ticket for the next customer in turn, with an Idempotency-Key never used before (wrk thread
-- id + count). From the environment: BENCH_TOKENS (the customers' access tokens, comma
-- separated) and BENCH_BOOKING_BODY (the request body).
local tokens = {}
for token in string.gmatch(os.getenv("BENCH_TOKENS"), "[^,]+") do
  tokens[#tokens + 1] = token
end
local body = os.getenv("BENCH_BOOKING_BODY")

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local n = 0
function request()
  n = n + 1
  return wrk.format("POST", "/api/bookings", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[(n % #tokens) + 1],
    ["Idempotency-Key"] = "bench-" .. tid .. "-" .. n,
  }, body)
end
