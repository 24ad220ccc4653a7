-- wrk script: POST /v1/track/click with the bench program's publishable key, counting the
-- answers that acknowledged a recorded click (HTTP 200 with a click_id). Each request comes
-- from another client address (CF-Connecting-IP, which `wrangler dev` keeps when the client
-- sets it), as visitors do: one address would meet the per-IP click limit (wrangler.toml).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
wrk.body = '{"token":"' .. os.getenv("BENCH_TOKEN") .. '","url":"https://shop.example.com/?via=' .. os.getenv("BENCH_TOKEN") .. '"}'

local counter = 0
function request()
  counter = counter + 1
  wrk.headers["CF-Connecting-IP"] = string.format("10.%d.%d.%d", math.random(0, 255), math.floor(counter / 256) % 256, counter % 256)
  return wrk.format()
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  acked = 0
end
function response(status, headers, body)
  if status == 200 and string.find(body, '"click_id"', 1, true) then
    acked = acked + 1
  end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do
    total = total + t:get("acked")
  end
  io.write(string.format("ACKED %d\n", total))
end
