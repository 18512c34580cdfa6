-- wrk script for the login section (scripts/bench/login.sh): every request is the same
-- right-password login, whose body comes from the environment.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BENCH_LOGIN_BODY")
