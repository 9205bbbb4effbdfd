-- Replies spread over 100 posts (or all on POST, if set), each with its own
-- text and X-Forwarded-For address (the server trusts 127.0.0.1 as a proxy). FORMAT=json|form picks
-- the endpoint. SENDERS=0 (the default) gives every request an e-mail address
-- of its own; SENDERS=N has them written by N commenters drawn from a Zipf
-- distribution, as bench/seed.sql draws its history, and 5 % by a spammer
-- with 20 addresses, whose text carries a link. SUBSCRIBE=P ticks "notify me
-- of replies" on P % of the requests (0 by default), as readers who want
-- answers do: each such address is asked to confirm itself once.
local threads = {}
local counter = 0
local format = os.getenv("FORMAT") or "form"
local only_post = os.getenv("POST")
-- Distinct per wrk run, so a second run never repeats the first one's words.
local salt = os.getenv("SALT") or tostring(os.time())
-- The salt's last twelve digits, as a number that fits in three address groups.
local salt_number = tonumber(string.sub(salt, -12)) or 0
local senders = tonumber(os.getenv("SENDERS") or "0") or 0
local subscribe_share = (tonumber(os.getenv("SUBSCRIBE") or "0") or 0) / 100

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  ok, refused, other = 0, 0, 0
  math.randomseed(salt_number + id)
end

-- Who writes request n: its own reader, one of the spammer's addresses, or
-- commenter k = floor((senders + 1) ^ u), who writes about 1/k of the comments.
local function sender(n)
  if senders == 0 then
    return "Reader " .. n, "reader" .. salt .. "-" .. n .. "@example.com", ""
  end
  if math.random() < 0.05 then
    local address = math.random(1, 20)
    return "Cheap Pills", "offers" .. address .. "@spam.example",
      " Best prices at https://pills.example/" .. address .. " today."
  end
  local k = math.floor(math.exp(math.random() * math.log(senders + 1)))
  return "Commenter " .. k, "commenter" .. k .. "@example.com", ""
end

local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

request = function()
  counter = counter + 1
  local n = id * 100000000 + counter
  local post = only_post or ("bench-post-" .. (n % 100))
  -- Each request has an address no other request ever had, under IPv6's
  -- documentation prefix: the thread and the request's number make its /64
  -- (the burst limiter counts IPv6 clients by their /64, so each request is a
  -- client of its own), and the run's salt the rest. IPv4 addresses had to be
  -- reused, and one reused within the flood rule's 15 s got its request refused.
  local ip = string.format("2001:db8:%x:%x:%x:%x:%x:1",
    id * 256 + math.floor(counter / 65536) % 256, counter % 65536,
    math.floor(salt_number / 4294967296) % 65536, math.floor(salt_number / 65536) % 65536,
    salt_number % 65536)
  local author, email, pitch = sender(n)
  local text = "Benchmark reply " .. salt .. "-" .. n .. " with some ordinary words in it." .. pitch
  local subscribe = math.random() < subscribe_share
  local headers = { ["X-Forwarded-For"] = ip, ["Origin"] = "http://localhost" }
  if format == "json" then
    headers["Content-Type"] = "application/json"
    local body = string.format(
      '{"post":"%s","post_title":"Post","post_url":"http://localhost/%s/","author":"%s","email":"%s","comment":"%s","subscribe":%s}',
      post, post, author, email, text, tostring(subscribe))
    return wrk.format("POST", "/api/comments", headers, body)
  end
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  local body = "post=" .. post .. "&post_title=Post&post_url=" .. urlencode("http://localhost/" .. post .. "/")
    .. "&author=" .. urlencode(author) .. "&email=" .. urlencode(email)
    .. "&comment=" .. urlencode(text) .. (subscribe and "&subscribe=1" or "")
  return wrk.format("POST", "/comments", headers, body)
end

response = function(status, headers, body)
  if status == 201 or status == 303 then
    ok = ok + 1
  elseif status >= 400 and status < 500 then
    refused = refused + 1
  else
    other = other + 1
  end
end

done = function(summary, latency, requests)
  local total_ok, total_refused, total_other = 0, 0, 0
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok")
    total_refused = total_refused + t:get("refused")
    total_other = total_other + t:get("other")
  end
  io.write(string.format("ACKNOWLEDGED %d\nREFUSED %d\nOTHER %d\n", total_ok, total_refused, total_other))
end
