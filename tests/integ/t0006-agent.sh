#!/usr/bin/env bash
# The agent against a real server on loopback: enrollment (and refused tokens),
# reports of a fixture tree, unchanged reports, history from changed fixtures, the
# spool across a server restart, bad reports refused with nothing half-written, and
# the fleet commands and API.
. "$(dirname "$0")/lib.sh"
SRC=${WARD_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}

D=$(new_data)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_ward_port() {
	: >"$TMP/server.log"
	"$WARD" --data "$D" serve --listen "127.0.0.1:$port" 2>"$TMP/server.log" &
	SERVER_PID=$!
	for _ in $(seq 100); do grep -q 'listening on' "$TMP/server.log" && break; sleep 0.05; done
	URL="http://127.0.0.1:$port"
}
start_ward_port
ROOT=$TMP/root
cp -a "$SRC/tests/fixtures/debian12" "$ROOT"
STATE=$TMP/state
agent() { "$WARD" agent "$@" --state "$STATE"; }

# Enrollment tokens.
expect_exit "enroll-token" 0 "$WARD" --data "$D" host enroll-token --expires 1h --uses 1
tok=$(printf '%s' "$OUT" | head -1)
expect_match "token printed" "$tok" '^wardenroll_[0-9a-f]{64}$'
expect_exit "bad --expires" 2 "$WARD" --data "$D" host enroll-token --expires soon
expect_exit "enroll with a wrong token" 1 "$WARD" agent enroll --server "$URL" --token "wardenroll_$(printf '0%.0s' $(seq 64))" --state "$TMP/other"
expect_match "refusal explained" "$ERR" 'enrollment token is not valid'
expect_exit "https without a pin is refused" 1 "$WARD" agent enroll --server "https://127.0.0.1:$port" --token "$tok" --state "$TMP/other"
expect_exit "enroll" 0 "$WARD" agent enroll --server "$URL" --token "$tok" --state "$STATE" --hostname web1
expect_eq "state dir private" "$(stat -c %a "$STATE")" 700
expect_eq "credential private" "$(stat -c %a "$STATE/credential")" 600
expect_exit "enroll twice refused" 1 "$WARD" agent enroll --server "$URL" --token "$tok" --state "$STATE"
expect_exit "used-up token refused" 1 "$WARD" agent enroll --server "$URL" --token "$tok" --state "$TMP/second"
expect_exit "expired token" 0 "$WARD" --data "$D" host enroll-token --uses 5
tok2=$(printf '%s' "$OUT" | head -1)
sqlite3 "$D/ward.db" "UPDATE enroll_tokens SET expires_at = 1"
expect_exit "expired token refused" 1 "$WARD" agent enroll --server "$URL" --token "$tok2" --state "$TMP/third"
expect_eq "refusals logged" "$("$WARD" --data "$D" --json log list --action host.enroll_refused | jq length)" 3

# First report.
expect_exit "first report" 0 agent run --once --root "$ROOT"
expect_match "all sections sent" "$ERR" 'report delivered: 12 section'
host=$("$WARD" --data "$D" --json host list | jq -c '.[0] | {name, os, packages, stale, reports}')
expect_eq "the host and its facts" "$host" '{"name":"db01","os":"Debian GNU/Linux 12 (bookworm)","packages":40,"stale":false,"reports":1}'
expect_exit "host show --json" 0 "$WARD" --data "$D" --json host show db01
expect_eq "facts stored" "$(printf '%s' "$OUT" | jq -c '[.facts.system.hostname, (.facts.sockets | length), .facts.hardware.cpu.threads]')" '["db01",5,4]'
expect_eq "first report is a baseline, not history" "$("$WARD" --data "$D" --json host history db01 | jq length)" 0
expect_eq "first report logged" "$("$WARD" --data "$D" --json log list --action host.first_report | jq length)" 1

# Unchanged: nothing sent but digests.
expect_exit "unchanged report" 0 agent run --once --root "$ROOT"
expect_match "no section sent" "$ERR" 'report delivered: 0 section'
expect_eq "counted" "$("$WARD" --data "$D" --json host show db01 | jq .reports)" 2

# A package installed, one upgraded, a port opened: history and activity log.
cat >>"$ROOT/var/lib/dpkg/status" <<'PKG'

Package: htop
Status: install ok installed
Priority: optional
Section: utils
Installed-Size: 400
Maintainer: Daniel Lange <DLange@debian.org>
Architecture: amd64
Version: 3.2.2-2
Description: interactive processes viewer
PKG
sed -i '/^Package: openssl$/,/^$/ s/^Version: .*/Version: 3.0.99-1/' "$ROOT/var/lib/dpkg/status"
printf '   9: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99999 1 0000000000000000 100 0 0 10 0\n' >>"$ROOT/proc/net/tcp"
expect_exit "changed report" 0 agent run --once --root "$ROOT"
expect_match "only changed sections sent" "$ERR" 'report delivered: 2 section'
hist=$("$WARD" --data "$D" --json host history db01 | jq -r '[.[] | .kind + " " + .subject + " " + (.new // "-")] | sort | join("; ")')
expect_match "package installed in history" "$hist" 'package.installed htop:amd64 3.2.2-2'
expect_match "package upgraded in history" "$hist" 'package.upgraded openssl:amd64 3.0.99-1'
expect_match "port opened in history" "$hist" 'port.opened tcp/8080 0.0.0.0'
expect_eq "history in the activity log" "$("$WARD" --data "$D" --json log list --action host.package_installed | jq -r '.[0].details.subject')" htop:amd64
expect_eq "packages count follows" "$("$WARD" --data "$D" --json host show db01 | jq .packages)" 41

# The server goes away: reports spool, then arrive in order after a restart.
stop_ward
sed -i 's/^Version: 3.2.2-2$/Version: 3.3.0-1/' "$ROOT/var/lib/dpkg/status"
expect_exit "report while the server is down" 0 agent run --once --root "$ROOT"
expect_match "spooled" "$ERR" 'report spooled: .* 1 in the spool'
sed -i '/^Package: htop$/,/^$/d' "$ROOT/var/lib/dpkg/status"
expect_exit "second report while down" 0 agent run --once --root "$ROOT"
expect_match "two spooled" "$ERR" '2 in the spool'
expect_eq "spool files" "$(ls "$STATE/spool" | wc -l)" 2
start_ward_port
expect_exit "server back: spool delivered" 0 agent run --once --root "$ROOT"
expect_match "delivered all" "$ERR" '3 delivered, 0 in the spool'
order=$("$WARD" --data "$D" --json host history db01 | jq -r '[.[] | select(.subject == "htop:amd64") | .kind] | reverse | join(",")')
expect_eq "changes in order" "$order" "package.installed,package.upgraded,package.removed"

# Bad input from agents: refused, nothing half-written.
cred=$(cat "$STATE/credential")
before=$(sqlite3 "$D/ward.db" "SELECT group_concat(section || digest) FROM host_sections")
before_log=$(log_count "$D")
api POST /api/v1/agent/report -H "Authorization: Bearer wardh_$(printf '0%.0s' $(seq 32))_$(printf '0%.0s' $(seq 64))" -d '{"digests":{}}'
expect_eq "unknown host: 401" "$STATUS" 401
# The last digit changed (to 1 when it is 0: the credential is random).
last=${cred: -1}
wrongcred=${cred%?}$([ "$last" = 0 ] && echo 1 || echo 0)
api POST /api/v1/agent/report -H "Authorization: Bearer $wrongcred" -d '{"digests":{}}'
expect_eq "wrong secret: 401" "$STATUS" 401
api POST /api/v1/agent/report -d '{"digests":{}}'
expect_eq "no credential: 401" "$STATUS" 401
api POST /api/v1/agent/report -H "Authorization: Bearer $cred" -d 'garbage{'
expect_eq "garbage report: 400" "$STATUS" 400
api POST /api/v1/agent/report -H "Authorization: Bearer $cred" -d '{"digests":{"nonsense":"00"}}'
expect_match "unknown section: 400" "$STATUS $BODY" "^400 .*section 'nonsense' is not known"
api POST /api/v1/agent/report -H "Authorization: Bearer $cred" \
	-d "{\"digests\":{\"system\":\"$(printf 'a%.0s' $(seq 64))\"},\"sections\":{\"system\":{\"hostname\":\"evil\"}}}"
expect_match "digest mismatch: 400" "$STATUS $BODY" "^400 .*does not match its digest"
api POST /api/v1/agent/report -H "Authorization: Bearer $cred" \
	-d "{\"digests\":{\"packages\":\"$(printf 'b%.0s' $(seq 64))\"},\"sections\":{}, \"interval\": 1}"
expect_match "bad interval: 400" "$STATUS $BODY" "^400 .*interval"
head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$TMP/huge"
api POST /api/v1/agent/report -H "Authorization: Bearer $cred" --data-binary @"$TMP/huge"
expect_eq "oversized report: 413" "$STATUS" 413
expect_eq "sections unchanged" "$(sqlite3 "$D/ward.db" "SELECT group_concat(section || digest) FROM host_sections")" "$before"
expect_eq "nothing logged" "$(log_count "$D")" "$before_log"
# A digest the server has not got, without its body: the server asks for it.
api POST /api/v1/agent/report -H "Authorization: Bearer $cred" -d "{\"digests\":{\"packages\":\"$(printf 'c%.0s' $(seq 64))\"}}"
expect_eq "missing body: need" "$STATUS $(printf '%s' "$BODY" | jq -c .need)" '200 ["packages"]'
sqlite3 "$D/ward.db" "DELETE FROM host_sections WHERE section = 'services'"
expect_exit "agent heals a lost section" 0 agent run --once --root "$ROOT"
expect_eq "section back" "$(sqlite3 "$D/ward.db" "SELECT count(*) FROM host_sections WHERE section = 'services'")" 1

# The fleet: set, filters, stale, API roles, remove.
printf 'employee password\n' >"$TMP/e.pw"
"$WARD" --data "$D" user add erin --role employee --password-file "$TMP/e.pw" >/dev/null
"$WARD" --data "$D" user add sam --role support --password-file "$TMP/e.pw" >/dev/null
expect_exit "host set" 0 "$WARD" --data "$D" host set db01 --owner erin --location 'Rack 2, U14' --tag server --tag db
expect_exit "owner must be a user" 1 "$WARD" --data "$D" host set db01 --owner nobody
expect_exit "bad tag" 1 "$WARD" --data "$D" host set db01 --tag 'a b'
expect_eq "tag filter" "$("$WARD" --data "$D" --json host list --tag db | jq -r '.[].name')" db01
expect_eq "tag filter miss" "$("$WARD" --data "$D" --json host list --tag laptop | jq length)" 0
expect_eq "search" "$("$WARD" --data "$D" --json host list --search rack | jq -r '.[].owner')" erin
expect_eq "not stale" "$("$WARD" --data "$D" --json host list --stale | jq length)" 0
sqlite3 "$D/ward.db" "UPDATE hosts SET last_report_at = last_report_at - 3 * 900 - 10"
expect_eq "stale after 3 intervals" "$("$WARD" --data "$D" --json host list --stale | jq -r '.[].name')" db01
stok=$("$WARD" --data "$D" token create sam-t --user sam | head -1)
etok=$("$WARD" --data "$D" token create erin-t --user erin | head -1)
atok=$("$WARD" --data "$D" token create admin-t --user admin | head -1)
api GET /api/v1/hosts -H "Authorization: Bearer $stok"
expect_eq "support lists hosts" "$STATUS $(printf '%s' "$BODY" | jq -r '.hosts[0].name')" "200 db01"
api GET /api/v1/hosts/db01/history -H "Authorization: Bearer $stok"
expect_match "support reads history" "$STATUS $(printf '%s' "$BODY" | jq '.history | length')" '^200 [1-9]'
api GET /api/v1/hosts -H "Authorization: Bearer $etok"
expect_eq "employee: 403" "$STATUS" 403
api PATCH /api/v1/hosts/db01 -H "Authorization: Bearer $stok" -d '{"location":"x"}'
expect_eq "support cannot edit: 403" "$STATUS" 403
api PATCH /api/v1/hosts/db01 -H "Authorization: Bearer $atok" -d '{"location":"Rack 3","tags":["-db","primary"]}'
expect_eq "admin edits" "$STATUS $(printf '%s' "$BODY" | jq -c '[.host.location, .host.tags]')" '200 ["Rack 3",["primary","server"]]'
api POST /api/v1/hosts/enroll-tokens -H "Authorization: Bearer $atok" -d '{"expires":"2h","uses":3}'
expect_match "token over the API" "$STATUS $(printf '%s' "$BODY" | jq -r .token)" '^201 wardenroll_'
api DELETE /api/v1/hosts/db01 -H "Authorization: Bearer $atok"
expect_eq "removed" "$STATUS" 200
expect_eq "gone" "$("$WARD" --data "$D" --json host list | jq length)" 0
expect_exit "its credential no longer works" 1 agent run --once --root "$ROOT"
expect_match "refusal explained" "$ERR" 'credential'

stop_ward
expect_exit "log intact" 0 "$WARD" --data "$D" log verify
finish
