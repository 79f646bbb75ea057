-- wrk script of the Handoff API benchmark (bench/api.bench.ts): GET handoff_state by
-- shared_id, cycling over the records the server seeded, with the API key header.
-- Settings come from the environment: BENCH_KEY, BENCH_RECORDS, BENCH_GZIP=1, BENCH_BY=id
-- (look records up by conversation id instead of shared_id).
local key = os.getenv("BENCH_KEY") or "alk_bench-key-0123456789abcdef0123456789"
local records = tonumber(os.getenv("BENCH_RECORDS") or "10000")
local headers = { ["x-api-key"] = key }
if os.getenv("BENCH_GZIP") == "1" then headers["accept-encoding"] = "gzip" end
local by_id = os.getenv("BENCH_BY") == "id"
local counter = 0

request = function()
  counter = counter + 1
  local i = counter % records
  if by_id then
    return wrk.format("GET", string.format("/v1/demo/demo/handoff_state?id=00000000-0000-4000-8000-%012d", i), headers)
  end
  return wrk.format("GET", "/v1/demo/demo/handoff_state?shared_id=bench-" .. i, headers)
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("JSON {\"requests\":%d,\"duration_us\":%d,\"non2xx\":%d,\"errors\":%d,\"p50_us\":%d,\"p90_us\":%d,\"p99_us\":%d,\"p999_us\":%d,\"max_us\":%d}\n",
    summary.requests, summary.duration, errors.status, errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max))
end
