-- wrk: patient JSON for one guideline, every tenth request malformed.
-- Counts answers by class; a 5xx or a connection error fails the run (run).
--
--   wrk -s benches/serve/mixed.lua URL   (BODY_FILE: one valid body per line)

local bodies = {}
counts = { ok = 0, client = 0, server = 0, other = 0 }
local threads = {}
local n = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local path = os.getenv("BODY_FILE")
  for line in io.lines(path) do
    if #line > 0 then table.insert(bodies, line) end
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE") or "application/json"
end

function request()
  n = n + 1
  local body
  if n % 10 == 0 then
    body = '{"age": 45, "pain_duration": '          -- cut off: not JSON
  else
    body = bodies[(n % #bodies) + 1]
  end
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then counts.ok = counts.ok + 1
  elseif status >= 400 and status < 500 then counts.client = counts.client + 1
  elseif status >= 500 then counts.server = counts.server + 1
  else counts.other = counts.other + 1 end
end

function done(summary, latency, requests)
  local ok, client, server, other = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    ok = ok + c.ok; client = client + c.client; server = server + c.server; other = other + c.other
  end
  local e = summary.errors
  io.write(string.format("answers: %d 2xx, %d 4xx, %d 5xx, %d other\n", ok, client, server, other))
  io.write(string.format("socket errors: connect %d, read %d, write %d, timeout %d\n", e.connect, e.read, e.write, e.timeout))
  io.write(string.format("latency us: p50 %d, p90 %d, p99 %d, p99.9 %d, max %d\n",
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max))
  io.write(string.format("requests %d in %.2f s: %.0f/s\n", summary.requests, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6)))
end
