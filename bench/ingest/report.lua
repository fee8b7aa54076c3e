-- bench/ingest/report.lua - wrk script: POST the hosts' unchanged reports in turn.
--
--   wrk -t2 -c8 -d10s -s report.lua http://127.0.0.1:PORT/api/v1/agent/report -- BODIES
--
-- BODIES is the file `sim first` writes: one line per host, "credential TAB report"
-- (the report with digests only, "sections": {}). Each wrk thread walks the hosts
-- from its own starting point, one report per request, with that host's credential.
-- Replies other than 200 are counted; done() prints the count and the first one
-- (status and body: the server's {"error": ...}) as "lua_non200=N" and
-- "lua_first_error=...".

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

local creds, bodies, n, i = {}, {}, 0, 0
non200 = 0
first_error = ""

function init(args)
   local path = args[1]
   if not path then
      error("report.lua: give the BODIES file after --")
   end
   for line in io.lines(path) do
      local tab = line:find("\t", 1, true)
      if tab then
         n = n + 1
         creds[n] = "Bearer " .. line:sub(1, tab - 1)
         bodies[n] = line:sub(tab + 1)
      end
   end
   if n == 0 then
      error("report.lua: no hosts in " .. path)
   end
   i = (id * 7919) % n
end

function request()
   i = i % n + 1
   return wrk.format("POST", wrk.path, {
      ["Host"] = wrk.host .. ":" .. wrk.port,
      ["Content-Type"] = "application/json",
      ["Authorization"] = creds[i],
   }, bodies[i])
end

function response(status, headers, body)
   if status ~= 200 then
      non200 = non200 + 1
      if first_error == "" then
         first_error = status .. " " .. (body or "")
      end
   end
end

function done(summary, latency, requests)
   local total, first = 0, ""
   for _, t in ipairs(threads) do
      total = total + (t:get("non200") or 0)
      local e = t:get("first_error") or ""
      if first == "" and e ~= "" then
         first = e
      end
   end
   io.write(string.format("lua_non200=%d\n", total))
   io.write(string.format("lua_first_error=%s\n", (first:gsub("[\r\n]", " "))))
end
