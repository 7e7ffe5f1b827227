-- wrk script: POSTs the CometChat chat sample (compacted, ~0.9 KB) with Basic Auth, and a
-- different data.to.uid on every request so the store's dedupe never answers from its index.
--
-- Environment (run.sh sets these):
--   WEBHOOK_BODY_FILE      the compacted chat fixture; must contain "uid":"cometchat-uid-2"
--   WEBHOOK_AUTHORIZATION  the Authorization header value, e.g. "Basic Y29tZXRjaGF0OnB3"
--   WEBHOOK_PATH           default /webhook

local body_file = assert(os.getenv("WEBHOOK_BODY_FILE"), "WEBHOOK_BODY_FILE is not set")
local file = assert(io.open(body_file, "rb"))
local body = file:read("*a")
file:close()

local marker = '"uid":"cometchat-uid-2"'
local first, last = body:find(marker, 1, true)
assert(first, body_file .. " does not contain " .. marker)
local prefix = body:sub(1, first - 1) .. '"uid":"'
local suffix = '"' .. body:sub(last + 1)

wrk.method = "POST"
wrk.path = os.getenv("WEBHOOK_PATH") or "/webhook"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = assert(os.getenv("WEBHOOK_AUTHORIZATION"),
                                      "WEBHOOK_AUTHORIZATION is not set")

-- Unique across runs (warm-up and measurement) and threads.
math.randomseed(os.time())
local run = tostring(os.time()) .. "-" .. tostring(math.random(1, 1000000000))
local counter = 0

-- Runs in the main Lua state; sets the global `thread_tag` inside each thread's own state.
function setup(thread)
  thread:set("thread_tag", tostring(math.random(1, 1000000000)))
end

function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, prefix .. "bench-" .. run .. "-" .. (thread_tag or "") ..
                    "-" .. counter .. suffix)
end
