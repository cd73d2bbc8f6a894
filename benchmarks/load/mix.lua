-- wrk script for benchmarks/http_load.py: replays a mix of signed-in API reads.
-- http_load.py writes requests.lua next to this file: `mix = { {path, token}, ... }`, already
-- weighted and shuffled, over several townships. Each thread starts at its own offset and goes
-- round; non-2xx answers are counted per thread and reported by done() as one JSON line.
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "requests.lua")

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("id", counter)
   table.insert(threads, thread)
end

function init(args)
   position = (id * 7919) % #mix
   bad = 0
   statuses = {}
end

function request()
   position = position % #mix + 1
   local entry = mix[position]
   return wrk.format("GET", entry[1], { ["Authorization"] = "Bearer " .. entry[2], ["Accept"] = "application/json" })
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      bad = bad + 1
      statuses[status] = (statuses[status] or 0) + 1
   end
end

function done(summary, latency, requests)
   local bad_total, codes = 0, {}
   for _, thread in ipairs(threads) do
      bad_total = bad_total + thread:get("bad")
      for code, n in pairs(thread:get("statuses")) do
         codes[#codes + 1] = string.format('"%d": %d', code, n)
      end
   end
   local e = summary.errors
   io.write(string.format(
      '\nWRK_JSON {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, ' ..
      '"non_2xx": %d, "socket_errors": %d, "statuses": {%s}}\n',
      summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
      bad_total, e.connect + e.read + e.write + e.timeout, table.concat(codes, ", ")))
end
