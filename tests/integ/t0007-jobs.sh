#!/usr/bin/env bash
# Remote jobs end to end: commands, diagnostics and inventory refresh run by a real
# agent; long polling; a forged, a replayed and an expired job refused; roles.
. "$(dirname "$0")/lib.sh"
SRC=${WARD_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}

D=$(new_data)
start_ward "$D"
ROOT=$TMP/root
cp -a "$SRC/tests/fixtures/debian12" "$ROOT"
STATE=$TMP/state
agent() { "$WARD" agent "$@" --state "$STATE"; }
tok=$("$WARD" --data "$D" host enroll-token | head -1)
agent enroll --server "$URL" --token "$tok" >/dev/null
expect_eq "server key pinned at enrollment" "$(jq -r '.server_key | length' "$STATE/agent.json")" 64
expect_exit "first report" 0 agent run --once --root "$ROOT"
job() { "$WARD" --data "$D" --json job show "$1"; }

# A command: queued, run by the agent, output and exit status kept.
expect_exit "host run" 0 "$WARD" --data "$D" host run db01 -- "echo hello from \$(hostname -s >/dev/null; echo agent); exit 3"
id=$(printf '%s' "$OUT" | grep -o 'job [0-9]*' | cut -d' ' -f2)
expect_eq "queued" "$(job "$id" | jq -r .status)" queued
expect_exit "agent runs waiting jobs" 0 agent run --once --root "$ROOT"
expect_eq "failed with exit 3 and its output" "$(job "$id" | jq -c '[.status, .exit_code, .output]')" '["failed",3,"hello from agent\n"]'
expect_exit "job show exits 1 for a failed job" 1 "$WARD" --data "$D" job show "$id"
"$WARD" --data "$D" host run db01 --timeout 1s -- 'sleep 5; echo never' >/dev/null
agent run --once --root "$ROOT" 2>/dev/null
expect_eq "timeout kills it" "$(job 2 | jq -c '[.status, .result.timed_out, .output]')" '["failed",true,""]'
expect_eq "who asked is logged" "$("$WARD" --data "$D" --json log list --action job.queue | jq -r '.[-1].actor')" "local:$(id -un)"
expect_eq "results logged" "$("$WARD" --data "$D" --json log list --action job.result | jq length)" 2

# Diagnostics and refresh.
"$WARD" --data "$D" host diagnose db01 >/dev/null
"$WARD" --data "$D" host refresh db01 >/dev/null
expect_exit "agent runs both" 0 agent run --once --root "$ROOT"
expect_eq "diagnostics snapshot" "$(job 3 | jq -c '[.status, (.result | has("load") and has("memory") and has("filesystems") and has("top_cpu") and has("log"))]')" '["done",true]'
expect_eq "refresh reported" "$(job 4 | jq -r .status)" done

# Long polling: a running agent picks up a job queued from the CLI within seconds.
"$WARD" agent run --interval 10m --root "$ROOT" --state "$STATE" 2>"$TMP/agent.log" &
AGENT_PID=$!
sleep 1
start=$(date +%s)
expect_exit "run --wait" 0 "$WARD" --data "$D" host run db01 --wait 20s -- echo long poll
expect_match "result came back" "$OUT" 'done \(exit 0\)'
expect_match "with its output" "$OUT" '^long poll$'
expect_match "within seconds" "$(($(date +%s) - start))" '^[0-9]$'
tok_admin=$("$WARD" --data "$D" token create a --user admin | head -1)
api POST /api/v1/hosts/db01/run -H "Authorization: Bearer $tok_admin" -d '{"command":"echo via api"}'
api_id=$(printf '%s' "$BODY" | jq .job.id)
expect_eq "api queues" "$STATUS" 201
for _ in $(seq 40); do [ "$(job "$api_id" | jq -r .status)" = done ] && break; sleep 0.25; done
expect_eq "API job woken and run" "$(job "$api_id" | jq -c '[.status, .output]')" '["done","via api\n"]'
kill "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null

# An agent gone while its poll waits (stopped, restarted, killed): a job queued then is
# not sent into the dead connection (the server looks in on parked polls every second),
# but kept for the agent's next poll.
"$WARD" --data "$D" host run db01 -- echo after restart >/dev/null
gid=$(sqlite3 "$D/ward.db" "SELECT max(id) FROM jobs")
sleep 2
expect_eq "not sent to the agent that is gone" "$(job "$gid" | jq -r .status)" queued
"$WARD" agent run --interval 10m --root "$ROOT" --state "$STATE" 2>>"$TMP/agent.log" &
AGENT_PID=$!
for _ in $(seq 80); do [ "$(job "$gid" | jq -r .status)" = done ] && break; sleep 0.25; done
expect_eq "the restarted agent runs it" "$(job "$gid" | jq -c '[.status, .output]')" '["done","after restart\n"]'
kill -9 "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
"$WARD" --data "$D" host run db01 -- echo after kill >/dev/null
kid=$(sqlite3 "$D/ward.db" "SELECT max(id) FROM jobs")
sleep 2
expect_eq "nor to one killed" "$(job "$kid" | jq -r .status)" queued
agent run --once --root "$ROOT" 2>/dev/null
expect_eq "the next poll takes it" "$(job "$kid" | jq -r .status)" done

# A forged job: the payload changed after signing (someone with the database).
"$WARD" --data "$D" host run db01 -- "touch $TMP/safe" >/dev/null
fid=$(sqlite3 "$D/ward.db" "SELECT max(id) FROM jobs")
sqlite3 "$D/ward.db" "UPDATE jobs SET payload = replace(payload, '$TMP/safe', '$TMP/evil') WHERE id = $fid"
agent run --once --root "$ROOT" 2>"$TMP/err"
expect_eq "forged job refused" "$(job "$fid" | jq -r .status)" refused
expect_eq "and not run" "$(ls "$TMP" | grep -c -E '^(safe|evil)$')" 0
expect_match "agent says why" "$(cat "$TMP/err")" 'refused job .*forged or altered'
expect_eq "refusal logged" "$("$WARD" --data "$D" --json log list --action job.refused | jq -r '.[0].details.reason')" 'job signature does not verify: forged or altered'

# A replayed job: the same signed job handed out again.
"$WARD" --data "$D" host run db01 -- "echo ran >> $TMP/count" >/dev/null
rid=$(sqlite3 "$D/ward.db" "SELECT max(id) FROM jobs")
agent run --once --root "$ROOT" 2>/dev/null
expect_eq "ran once" "$(wc -l <"$TMP/count")" 1
sqlite3 "$D/ward.db" "UPDATE jobs SET status = 'queued' WHERE id = $rid"
agent run --once --root "$ROOT" 2>"$TMP/err"
expect_eq "replay not run" "$(wc -l <"$TMP/count")" 1
expect_match "replay refused" "$(cat "$TMP/err")" 'replayed nonce'

# An expired job never leaves the server.
"$WARD" --data "$D" host run db01 -- "echo late >> $TMP/late" >/dev/null
eid=$(sqlite3 "$D/ward.db" "SELECT max(id) FROM jobs")
sqlite3 "$D/ward.db" "UPDATE jobs SET expires_at = 1 WHERE id = $eid"
agent run --once --root "$ROOT" 2>/dev/null
expect_eq "expired" "$(job "$eid" | jq -r .status)" expired
expect_eq "not run" "$(test -e "$TMP/late" && echo ran || echo no)" no

# Roles and bad requests.
printf 'support password\n' >"$TMP/s.pw"
"$WARD" --data "$D" user add sam --role support --password-file "$TMP/s.pw" >/dev/null
stok=$("$WARD" --data "$D" token create s --user sam | head -1)
api POST /api/v1/hosts/db01/diagnose -H "Authorization: Bearer $stok"
expect_eq "support may diagnose" "$STATUS" 201
api POST /api/v1/hosts/db01/run -H "Authorization: Bearer $stok" -d '{"command":"id"}'
expect_eq "support may not run commands" "$STATUS" 403
api POST /api/v1/hosts/db01/run -H "Authorization: Bearer $tok_admin" -d '{"command":""}'
expect_eq "empty command: 400" "$STATUS" 400
api POST /api/v1/hosts/db01/run -H "Authorization: Bearer $tok_admin" -d '{"command":"x","timeout":99999}'
expect_eq "bad timeout: 400" "$STATUS" 400
api GET /api/v1/jobs -H "Authorization: Bearer $stok"
expect_match "support lists jobs" "$STATUS $(printf '%s' "$BODY" | jq '.jobs | length')" '^200 [1-9]'
api POST "/api/v1/agent/jobs/$fid/result" -H "Authorization: Bearer $(cat "$STATE/credential")" -d '{"status":"done"}'
expect_eq "a finished job takes no second result" "$STATUS" 409
api GET "/api/v1/agent/jobs" -H "Authorization: Bearer wardh_$(printf '0%.0s' $(seq 32))_$(printf '0%.0s' $(seq 64))"
expect_eq "unknown host polls: 401" "$STATUS" 401
api GET "/api/v1/agent/jobs?wait=999" -H "Authorization: Bearer $(cat "$STATE/credential")"
expect_eq "bad wait: 400" "$STATUS" 400
expect_exit "job list" 0 "$WARD" --data "$D" job list --host db01
expect_match "job list table" "$OUT" '^ID +HOST +KIND +STATUS'

stop_ward
expect_exit "log intact" 0 "$WARD" --data "$D" log verify
finish
