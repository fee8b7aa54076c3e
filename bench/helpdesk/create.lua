-- bench/helpdesk/create.lua - wrk script: POST /api/v1/tickets with varied bodies.
--
--   wrk -t2 -c16 -d10s -s create.lua http://127.0.0.1:PORT/api/v1/tickets -- BODIES TOKEN
--
-- BODIES is the file `gen bodies` writes: one JSON ticket a line (title, description,
-- requester, category, impact, urgency, sometimes tags), each with its own title and
-- text. Each wrk thread walks the file from its own starting point. Replies other
-- than 201 are counted; done() prints the count and the first one (status and body:
-- the server's {"error": ...}) as "lua_non201=N" and "lua_first_error=...".

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

local bodies, n, i, auth = {}, 0, 0, ""
non201 = 0
first_error = ""

function init(args)
   local path, token = args[1], args[2]
   if not path or not token then
      error("create.lua: give the BODIES file and the API token after --")
   end
   for line in io.lines(path) do
      if #line > 0 then
         n = n + 1
         bodies[n] = line
      end
   end
   if n == 0 then
      error("create.lua: no bodies in " .. path)
   end
   auth = "Bearer " .. token
   i = (id * 7919) % n
end

function request()
   i = i % n + 1
   return wrk.format("POST", wrk.path, {
      ["Host"] = wrk.host .. ":" .. wrk.port,
      ["Content-Type"] = "application/json",
      ["Authorization"] = auth,
   }, bodies[i])
end

function response(status, headers, body)
   if status ~= 201 then
      non201 = non201 + 1
      if first_error == "" then
         first_error = status .. " " .. (body or "")
      end
   end
end

function done(summary, latency, requests)
   local total, first = 0, ""
   for _, t in ipairs(threads) do
      total = total + (t:get("non201") or 0)
      local e = t:get("first_error") or ""
      if first == "" and e ~= "" then
         first = e
      end
   end
   io.write(string.format("lua_non201=%d\n", total))
   io.write(string.format("lua_first_error=%s\n", (first:gsub("[\r\n]", " "))))
   io.write(string.format("lua_requests=%d\n", summary.requests))
   io.write(string.format("lua_p50_ms=%.3f\nlua_p99_ms=%.3f\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
