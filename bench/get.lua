-- Reads: PATH is requested as is; with ETAG set, as a revalidation. With
-- ORIGIN set, each read carries it, as the widget's reads from a blog's page do.
local path = os.getenv("PATH_TO_GET") or "/healthz"
local etag = os.getenv("ETAG")
local origin = os.getenv("ORIGIN")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  good, bad = 0, 0
end

request = function()
  local headers = {}
  if etag and etag ~= "" then
    headers["If-None-Match"] = etag
  end
  if origin and origin ~= "" then
    headers["Origin"] = origin
  end
  return wrk.format("GET", path, headers)
end

response = function(status, headers, body)
  if status == 200 or status == 304 then
    good = good + 1
  else
    bad = bad + 1
  end
end

done = function(summary, latency, requests)
  local g, b = 0, 0
  for _, t in ipairs(threads) do
    g = g + t:get("good")
    b = b + t:get("bad")
  end
  io.write(string.format("GOOD %d\nBAD %d\n", g, b))
end
