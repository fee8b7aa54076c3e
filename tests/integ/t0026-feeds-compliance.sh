#!/usr/bin/env bash
# t0026-feeds-compliance.sh: vulnerability feeds downloaded from a loopback HTTP server
# (ward vuln import URL; configured URLs refreshed with ETag revalidation by the CLI and
# by ward serve's scheduler; truncated, corrupt and missing feeds refused with the old
# data kept and the error shown), then patch compliance of a machine an agent reports
# from a fixture tree: due dates by class from when Ward first saw each upgrade (kept
# across reports, passed on to a superseding candidate), overdue lists through time
# travel (WARD_TEST_CLOCK_OFFSET), snapshots, history, findings (overdue, end of
# life), the policy, and the vulnerability and compliance API.
. "$(dirname "$0")/lib.sh"

SRC=${WARD_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
FX=$SRC/tests/fixtures/vuln

# --- a feed server on loopback ---
mkdir "$TMP/www"
cp "$FX/tracker.json" "$FX/truncated.json" "$FX/corrupt.json" "$TMP/www/"
cp "$FX/osv/more.json" "$TMP/www/osv.json"
/usr/bin/python3 "$SRC/tests/integ/feed-server.py" "$TMP/www" "$TMP/www.port" "$TMP/www.log" &
FEEDS=$!
# and an HTTPS one whose self-signed certificate the system's CAs do not vouch for
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/tls.key" -out "$TMP/tls.crt" -days 2 -subj /CN=127.0.0.1 2>/dev/null
/usr/bin/python3 "$SRC/tests/integ/feed-server.py" "$TMP/www" "$TMP/tls.port" "$TMP/tls.log" "$TMP/tls.crt" "$TMP/tls.key" &
TLSFEEDS=$!
trap 'kill $FEEDS $TLSFEEDS 2>/dev/null; cleanup' EXIT
for _ in $(seq 100); do [ -s "$TMP/www.port" ] && [ -s "$TMP/tls.port" ] && break; sleep 0.05; done
F=http://127.0.0.1:$(cat "$TMP/www.port")
hits() { grep -c "^GET $1 $2\$" "$TMP/www.log"; }

D=$(new_data)
W() { "$WARD" --data "$D" "$@"; }

# --- ward vuln import URL ---
expect_exit "import over http" 0 W --json vuln import "$F/tracker.json"
expect_eq "its counts" "$(printf '%s' "$OUT" | jq -c '[.feed, .format, .issues, .entries]')" '["debian-tracker","tracker",12,13]'
expect_exit "feeds" 0 W --json vuln feeds
expect_eq "the origin is the URL" "$(printf '%s' "$OUT" | jq -r '.[0].origin')" "$F/tracker.json"
expect_eq "no temporary file is left in the data directory" "$(find "$D" -name '.ward-feed-*' | wc -l)" 0
expect_exit "import chunked, through a redirect" 0 W --json vuln import "$F/moved/chunked/tracker.json"
expect_eq "the same counts" "$(printf '%s' "$OUT" | jq -c '[.issues, .entries]')" '[12,13]'
expect_eq "the redirect was followed" "$(hits /moved/chunked/tracker.json 302)" 1
before=$(W --json vuln show CVE-2024-0011 | jq -c .entries)
expect_exit "a download cut short is refused" 1 W vuln import "$F/cut/tracker.json"
expect_match "saying so" "$ERR" "cannot download '$F/cut/tracker.json': the download is truncated"
expect_exit "a truncated feed is refused" 1 W vuln import "$F/truncated.json"
expect_match "naming the URL, the old data kept" "$ERR" \
	"cannot import '$F/truncated.json': the tracker's JSON is truncated at byte [0-9]+.*; the previous data is kept"
expect_exit "a corrupt feed is refused" 1 W vuln import "$F/corrupt.json"
expect_exit "a missing feed" 1 W vuln import "$F/none.json"
expect_match "the status" "$ERR" "the server answered 404"
expect_exit "a server that is not there" 1 W vuln import "http://127.0.0.1:1/feed.json"
expect_match "says so" "$ERR" "cannot download 'http://127.0.0.1:1/feed.json'"
expect_exit "an HTTPS server the system does not trust" 1 W vuln import "https://127.0.0.1:$(cat "$TMP/tls.port")/tracker.json"
expect_match "is refused" "$ERR" "cannot download 'https://127.0.0.1:[0-9]+/tracker.json': certificate verification failed"
expect_exit "an unknown scheme" 1 W vuln import "ftp://127.0.0.1/feed.json"
expect_match "is refused" "$ERR" "is not an http://, https:// or file:// URL"
expect_eq "the data is as before" "$(W --json vuln show CVE-2024-0011 | jq -c .entries)" "$before"
expect_eq "nothing left behind" "$(find "$D" -name '.ward-feed-*' | wc -l)" 0
expect_exit "file:// works too" 0 W --json vuln import --feed osv "file://$TMP/www/osv.json"
expect_eq "into the named feed" "$(printf '%s' "$OUT" | jq -c '[.feed, .format]')" '["osv","osv"]'

# --- configured URLs ---
expect_exit "feeds add" 0 W vuln feeds add "$F/tracker.json" --every 1h
expect_match "says what" "$OUT" "feed 'debian-tracker' will be fetched from $F/tracker.json"
expect_exit "refresh: due, fetched" 0 W --json vuln feeds refresh
expect_eq "imported" "$(printf '%s' "$OUT" | jq -c '[.[] | [.feed, .result, .issues]]')" '[["debian-tracker","imported",12]]'
expect_exit "refresh again: not due" 0 W --json vuln feeds refresh
expect_eq "nothing fetched" "$OUT" "[]"
n_imports=$(W --json log list --limit 500 | jq '[.[] | select(.action == "vuln.import")] | length')
expect_exit "refresh --force: the server says unchanged" 0 W --json vuln feeds refresh --force
expect_eq "unchanged" "$(printf '%s' "$OUT" | jq -c '[.[] | .result]')" '["unchanged"]'
expect_eq "a 304, from If-None-Match" "$(hits /tracker.json 304)" 1
expect_eq "and no import" "$(W --json log list --limit 500 | jq '[.[] | select(.action == "vuln.import")] | length')" "$n_imports"
jq 'del(.bash)' "$FX/tracker.json" >"$TMP/www/tracker.json"
expect_exit "refresh a changed feed" 0 W --json vuln feeds refresh debian-tracker
expect_eq "imported anew" "$(printf '%s' "$OUT" | jq -c '[.[] | [.result, .issues]]')" '[["imported",8]]'
cp "$FX/truncated.json" "$TMP/www/tracker.json"
expect_exit "refresh a feed that turned corrupt" 1 W --json vuln feeds refresh debian-tracker
expect_match "the failure on stderr" "$ERR" "feed 'debian-tracker': cannot import '$F/tracker.json': the tracker's JSON is truncated"
expect_exit "feeds" 0 W --json vuln feeds
expect_eq "the old data kept, the error recorded" \
	"$(printf '%s' "$OUT" | jq -c '.[] | select(.feed == "debian-tracker") | [.issues, .url, (.error | test("truncated")), (.error_at != null)]')" \
	"[8,\"$F/tracker.json\",true,true]"
expect_exit "feeds as a table" 0 W vuln feeds
expect_match "shows the error" "$OUT" "debian-tracker .*$F/tracker.json \(every 1h\).*the tracker's JSON is truncated"
expect_exit "the failure is in the activity log" 0 W --json log list
expect_eq "as vuln.fetch_failed" "$(printf '%s' "$OUT" | jq -c '[.[] | select(.action == "vuln.fetch_failed") | .object]')" '["debian-tracker"]'
cp "$FX/tracker.json" "$TMP/www/tracker.json"
expect_exit "a good copy again" 0 W --json vuln feeds refresh debian-tracker
expect_exit "feeds" 0 W --json vuln feeds
expect_eq "imported, error cleared" "$(printf '%s' "$OUT" | jq -c '.[] | select(.feed == "debian-tracker") | [.issues, .error]')" '[12,null]'
expect_exit "add a URL that gets cut" 0 W vuln feeds add "$F/cut/osv.json" --feed cutfeed --every 10m
expect_exit "refresh it" 1 W vuln feeds refresh cutfeed
expect_match "truncated" "$ERR" "feed 'cutfeed': cannot download '$F/cut/osv.json': the download is truncated"
expect_exit "feeds add: bad scheme" 1 W vuln feeds add "gopher://x/feed"
expect_exit "feeds add: too often" 1 W vuln feeds add "$F/tracker.json" --every 1m
expect_match "says the floor" "$ERR" "at most every 5 minutes"
expect_exit "feeds add: a bad interval" 2 W vuln feeds add "$F/tracker.json" --every soon
expect_exit "feeds remove" 0 W vuln feeds remove cutfeed
expect_exit "feeds remove again" 1 W vuln feeds remove cutfeed
expect_match "unknown" "$ERR" "feed 'cutfeed' has no URL configured"
expect_exit "refresh an unknown feed" 1 W vuln feeds refresh nosuch

# --- ward serve imports a configured URL on schedule ---
expect_exit "a feed for the scheduler" 0 W vuln feeds add "$F/osv.json" --feed sched --format osv --every 5m
WARD_SCHED_TICK=1 start_ward "$D"
for _ in $(seq 100); do
	[ "$(W --json vuln feeds | jq -r '.[] | select(.feed == "sched") | .issues')" -gt 0 ] 2>/dev/null && break
	sleep 0.1
done
expect_eq "imported by the scheduler" "$(W --json vuln feeds | jq -c '.[] | select(.feed == "sched") | [.format, .issues > 0, .error]')" \
	'["osv",true,null]'
expect_eq "by the scheduler, in the activity log" \
	"$(W --json log list | jq -r '[.[] | select(.action == "vuln.import" and .object == "sched") | .actor][0]')" scheduler
sleep 2
expect_eq "not fetched again before it is due" "$(hits /osv.json 200)" 1

# --- a machine reports: bash (security, medium), curl (not security), openssl and libssl3 (security, high) ---
ROOT=$TMP/root
cp -a "$FX/root" "$ROOT"
L=$ROOT/var/lib/apt/lists
SEC=$L/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages
printf '\nPackage: bash\nVersion: 5.2.15-3\nArchitecture: amd64\nFilename: pool/b/bash_5.2.15-3_amd64.deb\nSize: 1\nDescription: shell\n' >>"$SEC"
sed -e 's/^Label: Debian-Security/Label: Debian/' -e 's/^Suite: oldstable-security/Suite: oldstable-updates/' \
	-e 's/^Codename: bookworm-security/Codename: bookworm-updates/' \
	"$L/deb.debian.org_debian-security_dists_bookworm-security_InRelease" >"$L/deb.debian.org_debian_dists_bookworm-updates_InRelease"
printf 'Package: curl\nVersion: 7.88.1-10+deb12u6\nArchitecture: amd64\nFilename: pool/c/curl_u6_amd64.deb\nSize: 1\nDescription: curl\n' \
	>"$L/deb.debian.org_debian_dists_bookworm-updates_main_binary-amd64_Packages"
expect_exit "import OSV (bash's CVE-2024-0020 is there)" 0 W vuln import "$FX/osv"
expect_exit "enroll-token" 0 W host enroll-token --uses 1
expect_exit "enroll" 0 "$WARD" agent enroll --server "$URL" --token "$(printf '%s' "$OUT" | head -1)" --state "$TMP/state"
expect_exit "report" 0 "$WARD" agent run --once --root "$ROOT" --state "$TMP/state"
t_report=$(date -u +%s)

expect_exit "compliance upgrades" 0 W --json compliance upgrades
printf '%s' "$OUT" >"$TMP/up.json"
expect_eq "each upgrade's class, urgency and issues" \
	"$(jq -c '[.upgrades[] | [.package, .class, .urgency, .cves, .overdue]]' "$TMP/up.json")" \
	'[["libssl3","security-high","high",["CVE-2024-0001"],false],["openssl","security-high","high",["CVE-2024-0001"],false],["bash","security","medium",["CVE-2024-0020"],false],["curl","other",null,[],false]]'
first=$(jq -r '.upgrades[] | select(.package == "openssl") | .first_seen' "$TMP/up.json")
fs=$(date -u -d "$first" +%s)
expect_eq "first seen when the report came" "$((fs >= t_report - 5 && fs <= t_report))" 1
expect_eq "due 7, 30 and 90 days later" \
	"$(jq -c '[.upgrades[] | ((.due | fromdateiso8601) - (.first_seen | fromdateiso8601)) / 86400]' "$TMP/up.json")" '[7,7,30,90]'
# classes follow the feeds: without the tracker's openssl entries, openssl's fix is not known to be urgent
jq 'del(.openssl)' "$FX/tracker.json" >"$TMP/no-openssl.json"
expect_exit "import a tracker without openssl" 0 W vuln import "$TMP/no-openssl.json"
expect_exit "compliance upgrades" 0 W --json compliance upgrades --host vulnbox
expect_eq "openssl is a plain security upgrade now" \
	"$(printf '%s' "$OUT" | jq -c '[.upgrades[] | select(.package == "openssl") | [.class, .urgency, .cves]]')" '[["security",null,[]]]'
expect_exit "the whole tracker again" 0 W vuln import "$FX/tracker.json"
expect_exit "compliance upgrades" 0 W --json compliance upgrades --host vulnbox
expect_eq "and high-urgency again" \
	"$(printf '%s' "$OUT" | jq -c '[.upgrades[] | select(.package == "openssl") | [.class, .urgency, .cves]]')" '[["security-high","high",["CVE-2024-0001"]]]'
expect_exit "compliance show" 0 W --json compliance show
expect_eq "compliant" "$(printf '%s' "$OUT" | jq -c '[.fleet.machines, .fleet.compliant, .fleet.tracked, .fleet.overdue, .hosts[0].host, .hosts[0].percent, .hosts[0].compliant]')" \
	'[1,1,4,0,"vulnbox",100,true]'
expect_exit "nothing overdue today" 0 W --json compliance overdue
expect_eq "an empty list" "$(printf '%s' "$OUT" | jq '.upgrades | length')" 0

# --- time travel ---
export WARD_TEST_CLOCK_OFFSET=8d
expect_exit "8 days later: overdue" 0 W --json compliance overdue
expect_eq "the two high-urgency security fixes" "$(printf '%s' "$OUT" | jq -c '[.upgrades[] | [.package, .days_left]]')" \
	'[["libssl3",-1],["openssl",-1]]'
expect_exit "show" 0 W --json compliance show
expect_eq "not compliant, half on time" "$(printf '%s' "$OUT" | jq -c '[.hosts[0].overdue, .hosts[0].percent, .hosts[0].compliant, .fleet.compliant]')" \
	'[2,50,false,0]'
expect_exit "overdue as a table" 0 W compliance overdue --host vulnbox
expect_match "a row" "$OUT" "vulnbox +openssl +3.0.11-1~deb12u2 +3.0.13-1~deb12u1 +security-high +high .* OVERDUE 1 d"
WARD_TEST_CLOCK_OFFSET=31d expect_exit "31 days later" 0 W --json compliance overdue
expect_eq "bash too" "$(printf '%s' "$OUT" | jq -c '[.upgrades[].package]')" '["libssl3","openssl","bash"]'
WARD_TEST_CLOCK_OFFSET=91d expect_exit "91 days later" 0 W --json compliance overdue
expect_eq "everything" "$(printf '%s' "$OUT" | jq '.upgrades | length')" 4
expect_exit "snapshot 8 days later" 0 W --json compliance snapshot
expect_eq "its fleet figures" "$(printf '%s' "$OUT" | jq -c '[.fleet.machines, .fleet.compliant, .fleet.overdue]')" '[1,0,2]'
expect_exit "findings" 0 W --json finding list --source compliance
expect_eq "an overdue finding for the machine" "$(printf '%s' "$OUT" | jq -c '[.[] | [.subject, .severity, .message]]')" \
	'[["vulnbox","high","2 upgrades overdue on vulnbox (2 of them high-urgency security fixes)"]]'
day8=$(date -u -d "@$(($(date -u +%s) + 8 * 86400))" +%F)
expect_exit "history" 0 W --json compliance history --days 10
expect_eq "today's row" "$(printf '%s' "$OUT" | jq -c --arg d "$day8" '[.[] | select(.day == $d) | [.machines, .compliant, .tracked, .overdue, .percent]]')" \
	'[[1,0,4,2,50]]'
expect_exit "host history" 0 W --json compliance history --host vulnbox
expect_eq "one row" "$(printf '%s' "$OUT" | jq -c '[.[] | [.tracked, .overdue]]')" '[[4,2]]'
expect_exit "the snapshot is in the activity log" 0 W --json log list
expect_eq "as compliance.snapshot" "$(printf '%s' "$OUT" | jq -r '[.[] | select(.action == "compliance.snapshot") | .object][0]')" "$day8"
unset WARD_TEST_CLOCK_OFFSET

# --- the clock is kept across reports; a superseding candidate inherits it ---
sleep 1.1
sed -i 's/^Version: 3.0.13-1~deb12u1$/Version: 3.0.14-1~deb12u1/' "$SEC"
# libssl3 installed: its upgrade is no longer on offer
awk 'BEGIN { RS = ""; ORS = "\n\n" } !/^Package: libssl3\n/' "$SEC" >"$SEC.new" && mv "$SEC.new" "$SEC"
expect_exit "second report" 0 "$WARD" agent run --once --root "$ROOT" --state "$TMP/state"
expect_exit "compliance upgrades" 0 W --json compliance upgrades
expect_eq "openssl's new candidate keeps the first clock; libssl3 gone" \
	"$(printf '%s' "$OUT" | jq -c --arg f "$first" '[.upgrades[] | [.package, .candidate, .first_seen == $f]]')" \
	'[["openssl","3.0.14-1~deb12u1",true],["bash","5.2.15-3",true],["curl","7.88.1-10+deb12u6",true]]'

# --- the policy ---
expect_exit "policy" 0 W compliance policy
expect_match "the defaults" "$OUT" "high or critical urgency: due 7 days"
expect_exit "set the policy" 0 W --json compliance policy --security-high 3d --other 10d
expect_eq "changed" "$OUT" "$(jq -n '{"security-high": 259200, "security": 2592000, "other": 864000}')"
WARD_TEST_CLOCK_OFFSET=4d expect_exit "4 days later" 0 W --json compliance overdue
expect_eq "openssl overdue under the new policy" "$(printf '%s' "$OUT" | jq -c '[.upgrades[].package]')" '["openssl"]'
expect_exit "a bad period" 2 W compliance policy --security 7x
expect_exit "a period too short" 1 W compliance policy --security 10m
expect_match "says the range" "$ERR" "a due period must be between 1 hour and 3650 days"
expect_exit "compliance show --host unknown" 1 W compliance show --host nosuch
expect_match "says so" "$ERR" "host 'nosuch' does not exist"
expect_exit "snapshot takes no --host" 2 W compliance snapshot --host vulnbox

# --- end of life is a finding ---
mkdir "$TMP/di"
sed 's/^12,Bookworm,bookworm,.*/12,Bookworm,bookworm,2021-08-14,2023-06-10,2024-06-10,2024-06-30,2024-12-31/' \
	"$ROOT/usr/share/distro-info/debian.csv" >"$TMP/di/debian.csv"
expect_exit "snapshot, bookworm unsupported" 0 W compliance snapshot --distro-info "$TMP/di"
expect_exit "findings" 0 W --json finding list --source vuln
expect_eq "an end-of-life finding" "$(printf '%s' "$OUT" | jq -c '[.[] | [.subject, .severity, (.message | test("end of life"))]]')" \
	'[["vulnbox","high",true]]'
expect_exit "findings, compliance" 0 W --json finding list --source compliance
expect_eq "the overdue finding closed: nothing is overdue today" "$(printf '%s' "$OUT" | jq length)" 0
expect_exit "snapshot, bookworm supported again" 0 W compliance snapshot --distro-info "$ROOT/usr/share/distro-info"
expect_exit "findings" 0 W --json finding list --source vuln
expect_eq "closed" "$(printf '%s' "$OUT" | jq length)" 0

# --- the API ---
login admin "$ADMIN_PW"
J=$TMP/jar-admin
api GET /api/v1/compliance -b "$J"
expect_eq "GET /compliance" "$STATUS $(printf '%s' "$BODY" | jq -c '[.fleet.machines, .hosts[0].host, .hosts[0].tracked]')" '200 [1,"vulnbox",3]'
api GET "/api/v1/compliance/upgrades?host=vulnbox" -b "$J"
expect_eq "GET /compliance/upgrades, by due date" "$STATUS $(printf '%s' "$BODY" | jq -c '[.upgrades[].package]')" '200 ["openssl","curl","bash"]'
api GET "/api/v1/compliance/upgrades?overdue=1" -b "$J"
expect_eq "overdue=1" "$STATUS $(printf '%s' "$BODY" | jq -c '.upgrades')" '200 []'
api GET "/api/v1/compliance/upgrades?overdue=2" -b "$J"
expect_eq "overdue=2 is refused" "$STATUS" 400
api GET "/api/v1/compliance/history?days=30" -b "$J"
expect_eq "GET /compliance/history" "$STATUS $(printf '%s' "$BODY" | jq '.history | length > 0')" "200 true"
api GET "/api/v1/compliance?host=nosuch" -b "$J"
expect_eq "an unknown host" "$STATUS $(printf '%s' "$BODY" | jq -r .error)" "404 host 'nosuch' does not exist"
api PUT /api/v1/compliance/policy -b "$J" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d '{"security": "14d"}'
expect_eq "PUT /compliance/policy" "$STATUS $(printf '%s' "$BODY" | jq -c '.policy.security')" "200 1209600"
api PUT /api/v1/compliance/policy -b "$J" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d '{"weekly": "7d"}'
expect_eq "an unknown field" "$STATUS" 400
api PUT /api/v1/compliance/policy -b "$J" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d '{"other": "soon"}'
expect_eq "not a duration" "$STATUS $(printf '%s' "$BODY" | jq -r .error)" "400 field 'other' must be a duration (seconds, or a string such as \"7d\")"
api POST /api/v1/compliance/snapshot -b "$J" -H "X-CSRF-Token: $CSRF"
expect_eq "POST /compliance/snapshot" "$STATUS $(printf '%s' "$BODY" | jq -c .fleet.machines)" "200 1"
printf 'support-pass-1\n' >"$TMP/sue.pw"
W user add sue --role support --password-file "$TMP/sue.pw" >/dev/null
login sue support-pass-1
api GET /api/v1/compliance -b "$TMP/jar-sue"
expect_eq "support reads compliance" "$STATUS" 200
api PUT /api/v1/compliance/policy -b "$TMP/jar-sue" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d '{"security": "1d"}'
expect_eq "but may not change the policy" "$STATUS" 403
api GET /api/v1/vulns -b "$J"
expect_eq "GET /vulns" "$STATUS $(printf '%s' "$BODY" | jq -c '[.hosts[0].host, .by_status["fixed-available"], .by_urgency.high, (.findings | length), .truncated]')" \
	'200 ["vulnbox",4,1,10,false]'
api GET "/api/v1/vulns?urgency=high&host=vulnbox" -b "$J"
expect_eq "?urgency=high" "$STATUS $(printf '%s' "$BODY" | jq -c '[.findings[] | [.host, .source, .cve, .scope, .fixed, .upgrade_fixes]]')" \
	'200 [["vulnbox","openssl","CVE-2024-0001","remote","3.0.13-1~deb12u1",true]]'
api GET "/api/v1/vulns?cve=CVE-2024-0006" -b "$J"
expect_eq "?cve=" "$STATUS $(printf '%s' "$BODY" | jq -c '[.findings[].source]')" '200 ["util-linux"]'
api GET "/api/v1/vulns?status=broken" -b "$J"
expect_eq "a bad status" "$STATUS" 400
api GET /api/v1/vulns/CVE-2024-0001 -b "$J"
expect_eq "GET /vulns/{cve}" "$STATUS $(printf '%s' "$BODY" | jq -c '[.scope, [.hosts[] | [.host, .status]]]')" \
	'200 ["remote",[["vulnbox","fixed-available"]]]'
api GET /api/v1/vulns/CVE-1999-0001 -b "$J"
expect_eq "an unknown issue" "$STATUS" 404
api GET "/api/v1/hosts/vulnbox/vulns?status=end-of-life" -b "$J"
expect_eq "GET /hosts/{host}/vulns" "$STATUS $(printf '%s' "$BODY" | jq -c '[.release, [.findings[].source], .counts["end-of-life"]]')" \
	'200 [["bookworm","12"],["zlib"],1]'
api GET /api/v1/hosts/nosuch/vulns -b "$J"
expect_eq "an unknown host" "$STATUS" 404
api GET /api/v1/vulns/feeds -b "$J"
expect_eq "GET /vulns/feeds" "$STATUS $(printf '%s' "$BODY" | jq -c '[.feeds[].feed]')" '200 ["debian-tracker","osv","sched"]'
api GET /api/v1/vulns
expect_eq "no login, no answer" "$STATUS" 401
stop_ward

# --- the scheduler takes the day's snapshot ---
WARD_SCHED_TICK=1 WARD_TEST_CLOCK_OFFSET=40d start_ward "$D"
day40=$(date -u -d "@$(($(date -u +%s) + 40 * 86400))" +%F)
for _ in $(seq 100); do
	W --json compliance history --days 60 | jq -e --arg d "$day40" 'any(.[]; .day == $d)' >/dev/null && break
	sleep 0.1
done
expect_exit "history" 0 W --json compliance history --days 60
expect_eq "the scheduler's snapshot, 40 days on" \
	"$(printf '%s' "$OUT" | jq -c --arg d "$day40" '[.[] | select(.day == $d) | [.compliant, .overdue]]')" '[[0,3]]'
expect_exit "findings" 0 W --json finding list --source compliance
expect_eq "the overdue finding open again" "$(printf '%s' "$OUT" | jq -c '[.[] | .subject]')" '["vulnbox"]'

finish
