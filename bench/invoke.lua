-- wrk script: every request is a synchronous Lambda invoke with the body '{}'.
-- The path comes from the URL on wrk's command line
-- (http://HOST:PORT/2015-03-31/functions/NAME/invocations).
-- Every response is checked: a status other than 200, an X-Amz-Function-Error header or a
-- body other than the handler's {"ok": true} counts as a bad invocation.
-- done() prints one JSON line that bench/wrk.py parses (latencies in microseconds).

wrk.method = "POST"
wrk.body = "{}"
wrk.headers["Content-Type"] = "application/json"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad = 0 -- global in each thread's own Lua state, read back in done()
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"ok": *true') then
    bad = bad + 1
    return
  end
  for name, _ in pairs(headers) do
    if string.lower(name) == "x-amz-function-error" then
      bad = bad + 1
    end
  end
end

function done(summary, latency, requests)
  local total_bad = 0
  for _, thread in ipairs(threads) do
    total_bad = total_bad + thread:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "bad": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"mean": %.1f, "p50": %d, "p90": %d, "p99": %d, "max": %d}}\n',
    summary.requests, summary.duration, summary.bytes, total_bad,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end
