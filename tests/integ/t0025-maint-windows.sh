#!/usr/bin/env bash
# Maintenance windows through the CLI and the API: adding (days, a local start time and
# a length in a time zone; the machines by name, tag or all), the next occurrences in
# UTC, which machines each applies to, changing, renaming and removing; bad input
# refused with a clear error and nothing written; roles (support reads, admins change,
# employees neither); every change in the activity log.
. "$(dirname "$0")/lib.sh"
D=$(new_data)
W() { "$WARD" --data "$D" "$@"; }
j() { printf '%s' "$BODY" | jq -r "$1"; }
start_ward "$D"
for h in web1 web2 db1; do
	"$WARD" agent enroll --server "$URL" --token "$(W host enroll-token | head -1)" --hostname "$h" \
		--state "$TMP/agent-$h" >/dev/null || fail "enroll $h"
done
W host set web1 --tag web >/dev/null
W host set web2 --tag web >/dev/null

# --- the CLI ---
before=$(log_count "$D")
expect_exit "no machines" 1 W window add w --days sun --start 02:00 --duration 3h
expect_match "says so" "$ERR" "say which machines"
expect_exit "a bad day" 1 W window add w --days funday --start 02:00 --duration 3h --all
expect_match "names the day" "$ERR" "'funday' is not a day"
expect_exit "a bad time" 1 W window add w --days sun --start 2am --duration 3h --all
expect_exit "a bad zone" 1 W window add w --days sun --start 02:00 --duration 3h --all --timezone Mars/Olympus
expect_match "names the zone" "$ERR" "Mars/Olympus"
expect_exit "a duration in seconds" 2 W window add w --days sun --start 02:00 --duration 90s --all
expect_exit "too long" 1 W window add w --days sun --start 02:00 --duration 8d --all
expect_exit "an unknown host" 1 W window add w --days sun --start 02:00 --duration 3h --host nosuch
expect_eq "nothing written" "$(log_count "$D")" "$before"

# tomorrow in Berlin at 02:00, as UTC: the window's next start
dow=$(TZ=Europe/Berlin date -d tomorrow +%a | tr 'A-Z' 'a-z')
want=$(date -u -d "TZ=\"Europe/Berlin\" $(TZ=Europe/Berlin date -d tomorrow +%F) 02:00" +%Y-%m-%dT%H:%M:%SZ)
expect_exit "add" 0 W --json window add web-night --days "$dow" --start 02:00 --duration 3h --timezone Europe/Berlin \
	--tag web --description "web servers, after the nightly backup"
expect_eq "its next start, in UTC" "$(printf '%s' "$OUT" | jq -r '.next[0].start')" "$want"
expect_eq "three hours" "$(printf '%s' "$OUT" | jq -r '.next[0] | ((.end | fromdate) - (.start | fromdate)) / 3600')" 3
expect_eq "weekly" "$(printf '%s' "$OUT" | jq -r '((.next[1].start | fromdate) - (.next[0].start | fromdate)) / 86400 | round')" 7
expect_eq "the web machines" "$(printf '%s' "$OUT" | jq -r '.machines | join(",")')" "web1,web2"
expect_exit "a taken name" 1 W window add web-night --days sun --start 02:00 --duration 3h --all
expect_match "says so" "$ERR" "exists already"
expect_exit "all machines, every day" 0 W window add daily --days daily --start 00:00 --duration 1440m --all
expect_exit "list" 0 W window list
expect_match "lists both" "$OUT" "daily +daily 00:00 for 1440 min \(UTC\) +all machines +yes"
expect_match "with their machines" "$OUT" "web-night +$dow 02:00 for 180 min \(Europe/Berlin\) +tags web +no"
expect_exit "edit" 0 W window edit daily --days weekdays --start 22:00 --duration 2h --host db1 --rename db-nights
expect_eq "renamed and changed" "$(W --json window show db-nights | jq -r '[(.days | join(",")), .start, .duration_minutes, .all, (.hosts | join(",")), (.machines | join(","))] | map(tostring) | join(" ")')" \
	"mon,tue,wed,thu,fri 22:00 120 false db1 db1"
expect_exit "the old name is gone" 1 W window show daily
expect_exit "a bad edit" 1 W window edit db-nights --start 25:00
expect_eq "left as it was" "$(W --json window show db-nights | jq -r .start)" "22:00"

# --- the API ---
W user add sam --role support --password-file "$TMP/admin.pw" >/dev/null
W user add eve --role employee --password-file "$TMP/admin.pw" >/dev/null
login sam "$ADMIN_PW"
api GET /api/v1/maintenance/windows -b "$TMP/jar-sam"
expect_eq "support lists" "$STATUS $(j '[.windows[].name] | join(",")')" "200 db-nights,web-night"
api GET /api/v1/maintenance/windows/web-night -b "$TMP/jar-sam"
expect_eq "support reads one, with its next occurrences" "$STATUS $(j '.window.next | length')" "200 5"
api POST /api/v1/maintenance/windows -b "$TMP/jar-sam" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
	-d '{"name": "x", "days": ["sun"], "start": "02:00", "duration_minutes": 60, "all": true}'
expect_eq "support cannot add" "$STATUS" 403
login eve "$ADMIN_PW"
api GET /api/v1/maintenance/windows -b "$TMP/jar-eve"
expect_eq "employees cannot see them" "$STATUS" 403
login admin "$ADMIN_PW"
A=(-b "$TMP/jar-admin" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json')
before=$(log_count "$D")
api POST /api/v1/maintenance/windows "${A[@]}" -d '{"name": "x", "days": ["sun"], "start": "02:00", "duration_minutes": 60, "all": true, "color": "red"}'
expect_eq "an unknown field" "$STATUS $(j .error)" "400 field 'color' is not recognised"
api POST /api/v1/maintenance/windows "${A[@]}" -d '{"name": "x", "days": ["sun"], "start": "02:00", "duration_minutes": "an hour", "all": true}'
expect_eq "a duration that is not minutes" "$STATUS $(j .error)" "400 field 'duration_minutes' must be 1 to 10080 (a week)"
api POST /api/v1/maintenance/windows "${A[@]}" -d '{"name": "x", "days": "sun"'
expect_eq "broken JSON" "$STATUS" 400
api POST /api/v1/maintenance/windows "${A[@]}" -d '{"name": "web-night", "days": ["sun"], "start": "02:00", "duration_minutes": 60, "all": true}'
expect_eq "a taken name" "$STATUS" 409
expect_eq "nothing written" "$(log_count "$D")" "$before"
api POST /api/v1/maintenance/windows "${A[@]}" -d '{"name": "weekend", "days": ["weekend"], "start": "08:00", "duration_minutes": 240, "timezone": "America/New_York", "hosts": ["db1"]}'
expect_eq "admin adds" "$STATUS $(j '.window.days | join(",")') $(j '.window.machines | join(",")')" "201 sat,sun db1"
api PATCH /api/v1/maintenance/windows/weekend "${A[@]}" -d '{"start": "09:30"}'
expect_eq "admin changes" "$STATUS $(j .window.start) $(j .window.timezone)" "200 09:30 America/New_York"
api GET /api/v1/maintenance/windows/nosuch -b "$TMP/jar-admin"
expect_eq "an unknown window" "$STATUS $(j .error)" "404 maintenance window 'nosuch' does not exist"
api DELETE /api/v1/maintenance/windows/weekend "${A[@]}"
expect_eq "admin removes" "$STATUS $(j .removed)" "200 weekend"
api DELETE /api/v1/maintenance/windows/weekend "${A[@]}"
expect_eq "gone" "$STATUS" 404

# --- the record ---
expect_eq "every change in the log" \
	"$(W --json log list --limit 50 --action 'maint.window.*' | jq -r '[reverse[] | .action + ":" + .object] | join(" ")')" \
	"maint.window.add:window:web-night maint.window.add:window:daily maint.window.edit:window:db-nights maint.window.add:window:weekend maint.window.edit:window:weekend maint.window.remove:window:weekend"
expect_eq "the rename is said" "$(W --json log list --limit 50 --action maint.window.edit | jq -r '.[1].details.renamed_from')" daily
expect_exit "remove" 0 W window remove web-night
expect_exit "the log verifies" 0 W log verify
finish
