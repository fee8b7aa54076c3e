#!/usr/bin/env bash
# Upgrade runs end to end with real packages, apt and dpkg: tiny .deb packages in a
# local file:// repository, two throwaway roots (an overlay over / in a private mount
# namespace, so the machine's own packages are never touched), each with its own
# enrolled agent. A plan fixes versions per machine, runs the pilot ring first, then
# ring 2; a version whose compatibility test fails is rolled back in the pilot and ring
# 2 never runs; an old version that can no longer be had is said before the run; a
# plan is cancelled; the API's roles; plans in the machines' maintenance windows; and
# all of it in the activity log.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ] || ! command -v dpkg-scanpackages >/dev/null || ! unshare -m true 2>/dev/null; then
	echo "skipped: needs root, mount namespaces and dpkg-dev (dpkg-scanpackages)"
	echo
	echo "0 passed, 0 failed"
	exit 0
fi
D=$(new_data)
W() { "$WARD" --data "$D" "$@"; }
j() { printf '%s' "$BODY" | jq -r "$1"; }
REPO=$TMP/repo
"$HERE/upgrade-repo.sh" "$REPO" "$TMP/local"
expect_eq "the machine itself has no ward-testpkg" "$(dpkg-query -W ward-testpkg 2>/dev/null || echo none)" none

# in ROOT COMMAND...: runs in throwaway root ROOT (A or B).
inroot() { local r=$1; shift; "$HERE/overlay-root.sh" "$TMP/root$r" "$@"; }
for r in A B; do
	inroot $r sh -c "rm -f /etc/apt/sources.list.d/* /etc/apt/preferences.d/*
		echo 'deb [trusted=yes] file:$REPO ./' >/etc/apt/sources.list
		echo 'APT::Sandbox::User \"root\";' >/etc/apt/apt.conf.d/99ward-test
		echo root-\$(echo $r | tr AB ab) >/etc/hostname
		rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ward-testpkg=1.0" \
		>"$TMP/prep$r.log" 2>&1 || { cat "$TMP/prep$r.log"; fail "root $r prepared"; }
done
inroot B dpkg -i "$TMP/local/ward-testpkg-extra_1.0_all.deb" >/dev/null
ver() { inroot "$1" dpkg-query -W -f='${Version}' "${2:-ward-testpkg}" 2>/dev/null; }
expect_eq "both roots start at 1.0" "$(ver A) $(ver B)" "1.0 1.0"

WARD_SCHED_TICK=1 start_ward "$D"
for r in A B; do
	inroot $r "$WARD" agent enroll --server "$URL" --token "$(W host enroll-token | head -1)" --hostname "root-$(echo $r | tr AB ab)" \
		--state /var/lib/ward-agent-test >/dev/null
done
agent() { inroot "$1" "$WARD" agent run --once --state /var/lib/ward-agent-test >>"$TMP/agent$1.log" 2>&1; }
agent A
agent B
expect_eq "root-a reported its upgrade" "$(W --json host show root-a | jq -c .upgrades.upgrades)" 1

# Bad plans are refused and write nothing.
n0=$(log_count "$D")
expect_exit "no machines" 1 W upgrade plan p --package ward-testpkg
expect_match "says so" "$ERR" "say which machines: hosts, tags, or all"
expect_exit "an unknown host" 1 W upgrade plan p --host nosuch --package ward-testpkg
expect_match "names it" "$ERR" "nosuch"
expect_exit "a bad version" 1 W upgrade plan p --all --package 'ward-testpkg=1:'
expect_match "says so" "$ERR" "valid version"
expect_exit "nothing to upgrade" 1 W upgrade plan p --all --package no-such-package
expect_match "says so" "$ERR" "none of the plan's 2 machines has an upgrade"
expect_exit "a pilot outside the plan" 1 W upgrade plan p --host root-b --pilot root-a --package ward-testpkg
expect_match "says so" "$ERR" "pilot host 'root-a' is not one of the plan's machines"
expect_exit "an age for a start time" 1 W upgrade plan p --all --package ward-testpkg --at 2h
expect_match "says so" "$ERR" "start_at must be an ISO time"
expect_exit "a bad test" 2 W upgrade plan p --all --package ward-testpkg --test-tcp localhost
expect_exit "a bad note package" 1 W upgrade plan p --all --package ward-testpkg --note-title T --note-file /etc/hostname --note-package 'Bad Name'
expect_eq "nothing logged" "$(log_count "$D")" "$n0"
expect_eq "no plan stored" "$(sqlite3 "$D/ward.db" 'SELECT count(*) FROM upgrade_plans')" 0

TEST='ok-file=grep -qx ok /usr/share/ward-testpkg/ok'
printf 'The ok file is new.\n' >"$TMP/note.md"
# 1.0 -> 1.5 passes its test: the pilot, then ring 2.
expect_exit "plan 1.5" 0 W upgrade plan to-1.5 --host root-a --host root-b --pilot root-a --package ward-testpkg=1.5 \
	--test-command "$TEST" --test-service "ward-test.service:test -d /usr/share/ward-testpkg" --min-free 1 \
	--note-title "What changed in ward-testpkg 1.5" --note-file "$TMP/note.md"
expect_exit "shown as JSON" 0 W --json upgrade show to-1.5
expect_eq "versions fixed per machine, pilot first" \
	"$(printf '%s' "$OUT" | jq -c '[.status, .rings, (.machines[] | [.host, .ring, .status, .packages[0].from, .packages[0].to, .packages[0].rollback])]')" \
	'["planned",2,["root-a",1,"pending","1.0","1.5","archive"],["root-b",2,"pending","1.0","1.5","archive"]]'
expect_exit "run" 0 W upgrade run to-1.5
expect_match "ring 1 running" "$OUT" "root-a +running"
expect_eq "ring 2 waits" "$(W --json upgrade show to-1.5 | jq -r '.machines[1].status')" pending
agent B
expect_eq "ring 2 gets nothing while the pilot runs" "$(ver B)" 1.0
agent A
expect_eq "pilot upgraded" "$(ver A)" 1.5
expect_eq "ring 2 started when the pilot passed" "$(W --json upgrade show to-1.5 | jq -r '[.current_ring, .machines[0].status, .machines[1].status] | join(" ")')" \
	"2 passed running"
agent B
expect_eq "ring 2 upgraded" "$(ver B)" 1.5
expect_exit "show" 0 W --json upgrade show to-1.5
expect_eq "the plan passed" "$(printf '%s' "$OUT" | jq -r '[.status, .machines[].status] | join(" ")')" "passed passed passed"
expect_eq "each step recorded" "$(printf '%s' "$OUT" | jq -r '[.machines[0].steps[] | .phase + ":" + .name + ":" + .status] | join(",")')" \
	"pre:disk space:passed,pre:dpkg audit:passed,pre:dpkg lock:passed,pre:installed versions:passed,pre:rollback available:passed,pre:test ok-file:passed,pre:test ward-test.service:passed,install:install:passed,post:new versions installed:passed,post:test ok-file:passed,post:test ward-test.service:passed"
expect_eq "versions before and after" "$(printf '%s' "$OUT" | jq -c '.machines[1].versions')" \
	'[{"name":"ward-testpkg","from":"1.0","to":"1.5","before":"1.0","after":"1.5"}]'
expect_match "apt's output kept" "$(printf '%s' "$OUT" | jq -r '.machines[0].steps[7].output')" "Setting up ward-testpkg \(1.5\)"
for _ in $(seq 50); do
	[ "$(W --json upgrade show to-1.5 | jq '.notice_course | type')" = '"number"' ] && break
	sleep 0.1
done
expect_eq "the note became a training notice" "$(W --json course list | jq -r --argjson c "$(W --json upgrade show to-1.5 | jq .notice_course)" '.[] | select(.id == $c) | .kind + " " + .title')" \
	"notice What changed in ward-testpkg 1.5"

# 1.5 -> 2.0 fails its post-check in the pilot: rolled back, ring 2 never runs.
agent A
agent B
expect_exit "plan 2.0" 0 W upgrade plan to-2.0 --host root-a --host root-b --pilot root-a --package ward-testpkg \
	--test-command "$TEST" --min-free 1
expect_eq "fixed at 1.5 -> 2.0" "$(W --json upgrade show to-2.0 | jq -r '[.machines[] | .packages[0].from + ">" + .packages[0].to] | join(" ")')" "1.5>2.0 1.5>2.0"
api GET /api/v1/upgrades/plans/to-2.0/run -b "$TMP/none"
expect_eq "no route for GET run" "$STATUS" 405
login admin "$ADMIN_PW"
A=(-b "$TMP/jar-admin" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json')
api POST /api/v1/upgrades/plans/to-2.0/run "${A[@]}"
expect_eq "run through the API" "$STATUS $(j .plan.status)" "202 running"
agent A
expect_eq "the pilot is back at its old version" "$(ver A)" 1.5
agent B
expect_eq "ring 2 never ran" "$(ver B)" 1.5
api GET /api/v1/upgrades/plans/to-2.0 -b "$TMP/jar-admin"
expect_eq "plan failed, pilot rolled back, ring 2 skipped" "$(j '[.plan.status, .plan.machines[].status] | join(" ")')" "failed rolled-back skipped"
expect_eq "the reason" "$(j .plan.reason)" "ring 1 failed on root-a: post-check 'ok-file' failed"
expect_eq "the failed test says how" "$(j '.plan.machines[0].steps[8].output')" "exit status 1"
expect_eq "the failed test and the rollback in the steps" \
	"$(j '[.plan.machines[0].steps[] | select(.phase == "post" or .phase == "rollback") | .phase + ":" + .name + ":" + .status] | join(",")')" \
	"post:new versions installed:passed,post:test ok-file:failed,rollback:rollback:passed,rollback:old versions back:passed,rollback:test ok-file:passed"
expect_eq "versions: to 2.0 and back" "$(printf '%s' "$BODY" | jq -c '.plan.machines[0].versions[0] | [.before, .after]')" '["1.5","1.5"]'

# An agent given a root (--root) runs the job's commands chrooted there.
expect_exit "plan 2.0 for root-a alone" 0 W upgrade plan to-2.0-root --host root-a --package ward-testpkg=2.0 \
	--test-command "$TEST" --min-free 1
W upgrade run to-2.0-root >/dev/null
"$HERE/overlay-root.sh" --outside "$TMP/rootA" sh -c \
	'"$0" agent run --once --root "$ROOT" --state "$ROOT/var/lib/ward-agent-test"' "$WARD" >>"$TMP/agentA.log" 2>&1
expect_eq "upgraded and rolled back in the root" "$(W --json upgrade show to-2.0-root | jq -r '[.status, .machines[0].status, (.machines[0].steps[] | select(.name == "install" or .name == "rollback") | .output | test("Setting up ward-testpkg")) ] | map(tostring) | join(" ")')" \
	"failed rolled-back true true"
expect_eq "the root is back at 1.5" "$(ver A)" 1.5

# A result of the wrong shape (the agent's report is untrusted) fails the machine, says
# why, and changes nothing else.
W upgrade plan odd --host root-b --package ward-testpkg=2.0 --min-free 1 >/dev/null
job=$(W --json upgrade run odd | jq -r '.machines[0].job')
cred=$(cat "$TMP/rootB/upper/var/lib/ward-agent-test/credential")
api POST "/api/v1/agent/jobs/$job/result" -H "Authorization: Bearer $cred" -H 'Content-Type: application/json' \
	-d '{"status": "done", "result": {"status": "fine", "steps": "many"}}'
expect_eq "the server takes the result" "$STATUS" 200
expect_eq "the machine failed, and why" "$(W --json upgrade show odd | jq -r '[.status, .machines[0].status, .machines[0].reason, (.machines[0].steps | length)] | map(tostring) | join("|")')" \
	"failed|failed|the host's agent did not run the upgrade (done)|0"
expect_eq "root-b untouched" "$(ver B)" 1.5

# The activity log: who planned, what changed to what, the tests, the rollback.
logj() { W --json log list --limit 500 --action "$1" | jq -r "$2"; }
expect_eq "who planned" "$(logj upgrade.plan '[.[].actor] | unique | length')" 1
expect_match "planned by the local user" "$(logj upgrade.plan '.[0].actor')" "^local:"
expect_eq "versions changed" "$(logj upgrade.package '[reverse[] | .details.host + " " + .details.from + ">" + .details.to] | join(", ")')" \
	"root-a 1.0>1.5, root-b 1.0>1.5"
expect_eq "tests passed and failed per machine" "$(logj upgrade.machine '[reverse[] | .details.host + ":" + .details.status + ":" + ((.details.tests_failed // []) | join(";"))] | join(" ")')" \
	"root-a:passed: root-b:passed: root-a:rolled-back:post: ok-file root-a:rolled-back:post: ok-file root-b:failed:"
expect_eq "rollback done" "$(logj upgrade.rollback '[.[] | .details.host + " " + .details.status] | join(",")')" "root-a done,root-a done"
expect_eq "the plan's end" "$(logj 'upgrade.passed' 'length') $(logj upgrade.failed '.[1].details.reason')" \
	"1 ring 1 failed on root-a: post-check 'ok-file' failed"
expect_exit "the log verifies" 0 W log verify

# An old version that can no longer be had is said before the run.
agent B
expect_exit "plan extra" 0 W upgrade plan extra --host root-b --package ward-testpkg-extra --min-free 1
expect_match "warned at planning" "$OUT" "can no longer be had"
expect_exit "run refused" 1 W upgrade run extra
expect_match "names the package" "$ERR" "cannot roll back 1 package: the old version can no longer be had \(ward-testpkg-extra 1.0 on root-b\); run with --allow-no-rollback"
expect_eq "nothing queued" "$(W --json upgrade show extra | jq -r '.status + " " + .machines[0].status')" "planned pending"

# A start time: the scheduler starts the plan when it is due, and says the same before
# anything runs.
at=$(date -u -d '+2 seconds' +%Y-%m-%dT%H:%M:%SZ)
expect_exit "plan with a start time" 0 W --json upgrade plan later --host root-b --package ward-testpkg-extra --min-free 1 --at "$at"
expect_eq "scheduled" "$(printf '%s' "$OUT" | jq -r '.status + " " + .start_at')" "scheduled $at"
for _ in $(seq 100); do
	[ "$(W --json upgrade show later | jq -r .status)" = scheduled ] || break
	sleep 0.1
done
expect_eq "refused at its start, before anything ran" "$(W --json upgrade show later | jq -r '[.status, .reason, .machines[0].status] | join("|")')" \
	"failed|not started: cannot roll back 1 package: the old version can no longer be had (ward-testpkg-extra 1.0 on root-b); run with --allow-no-rollback to upgrade anyway|skipped"
expect_eq "root-b's extra untouched" "$(ver B ward-testpkg-extra)" 1.0

# Cancel; a cancelled plan does not run.
expect_exit "cancel" 0 W upgrade cancel extra --reason "not this week"
expect_eq "cancelled" "$(W --json upgrade show extra | jq -r '[.status, .reason, .machines[0].status] | join("|")')" \
	"cancelled|cancelled by $(W --json log list --limit 1 | jq -r '.[0].actor'): not this week|cancelled"
expect_exit "no run after cancel" 1 W upgrade run extra
expect_match "says why" "$ERR" "is cancelled"
expect_exit "list" 0 W upgrade list
expect_match "lists the plans" "$OUT" "to-2.0 +failed"

# Machines by tag, the pilot by tag; security upgrades only (the test repository has none).
W host set root-a --tag pilot >/dev/null
W host set root-b --tag web >/dev/null
expect_exit "plan by tags" 0 W --json upgrade plan by-tags --tag web --tag pilot --pilot-tag pilot --packages all
expect_eq "rings from the tags" "$(printf '%s' "$OUT" | jq -r '[.machines[] | .host + ":" + (.ring | tostring)] | join(" ")')" "root-a:1 root-b:2"
expect_exit "security only" 1 W upgrade plan sec --all --packages security
expect_match "nothing to do" "$ERR" "none of the plan's 2 machines has an upgrade"

# Roles: support reads, employees do not; admin plans.
W user add sam --role support --password-file "$TMP/admin.pw" >/dev/null
W user add eve --role employee --password-file "$TMP/admin.pw" >/dev/null
login sam "$ADMIN_PW"
api GET /api/v1/upgrades/plans -b "$TMP/jar-sam"
expect_eq "support lists" "$STATUS $(j '.plans | length')" "200 7"
api POST /api/v1/upgrades/plans/extra/cancel -b "$TMP/jar-sam" -H "X-CSRF-Token: $CSRF"
expect_eq "support cannot cancel" "$STATUS" 403
login eve "$ADMIN_PW"
api GET /api/v1/upgrades/plans -b "$TMP/jar-eve"
expect_eq "employees cannot see plans" "$STATUS" 403
api POST /api/v1/upgrades/plans "${A[@]}" -d '{"name": "bad", "all": true, "packages": "some"}'
expect_eq "bad packages refused" "$STATUS $(j .error)" \
	"400 packages must be \"all\", \"security\" or an array of 1 to 512 \"name\" or \"name=version\""
api POST /api/v1/upgrades/plans "${A[@]}" -d '{"name": "api-plan", "all": true, "packages": "all", "tests": [{"kind": "http", "url": "'"$URL"'/api/v1/health"}]}'
expect_eq "admin plans through the API" "$STATUS $(j '.plan.machines | length')" "201 2"
api POST /api/v1/upgrades/plans "${A[@]}" -d '{"name": "api-plan", "all": true}'
expect_eq "a taken name" "$STATUS" 409

# Maintenance windows: a plan "in the window" starts each machine's job only while one of
# its windows is open; a job whose window closed before its agent ran changes nothing.
expect_exit "in-window needs a window" 1 W upgrade plan win0 --host root-a --package ward-testpkg=2.0 --min-free 1 --in-window
expect_match "says which host" "$ERR" "host 'root-a' has no maintenance window"
expect_exit "a window open now for root-a" 0 W window add open-now --days daily --start "$(date -u -d '-1 min' +%H:%M)" \
	--duration 60m --host root-a
later_start=$(date -u -d '+6 hours' +%H:%M)
expect_exit "one that opens later for root-b" 0 W window add later --days daily --start "$later_start" \
	--duration 60m --tag web
expect_match "root-b by its tag" "$(W --json window show later | jq -r '(.machines | join(",")) + " " + (.open | tostring)')" "^root-b false$"
agent A
agent B
expect_exit "plan in the windows" 0 W --json upgrade plan in-window --host root-a --host root-b --package ward-testpkg=2.0 --min-free 1 --in-window
# Scheduled to start now: the server's scheduler may already have started it by the time
# the CLI reads it back (it did under ASan), so running counts too.
expect_eq "scheduled at once" "$(printf '%s' "$OUT" | jq -r '(.status | test("^(scheduled|running)$") | tostring) + " " + (.in_window | tostring)')" "true true"
for _ in $(seq 100); do
	[ "$(W --json upgrade show in-window | jq -r '.machines[0].status')" = running ] && break
	sleep 0.1
done
OUT=$(W --json upgrade show in-window)
expect_eq "root-a started in its window, root-b waits for its own" \
	"$(printf '%s' "$OUT" | jq -r '[.status, .machines[0].status, .machines[1].status, .machines[1].window.name] | join(" ")')" \
	"running running pending later"
expect_eq "root-b's next window is shown" "$(printf '%s' "$OUT" | jq -r '.machines[1].window.start[11:16]')" "$later_start"
agent A
agent B
expect_eq "root-a upgraded, root-b not yet" "$(ver A) $(ver B)" "2.0 1.5"
expect_eq "the window was a pre-check" "$(W --json upgrade show in-window | jq -r '.machines[0].steps[0] | .phase + ":" + .name + ":" + .status')" \
	"pre:maintenance window:passed"
expect_match "the CLI says what root-b waits for" "$(W upgrade show in-window)" "root-b +pending .*waits for window later"
expect_exit "root-b's window now" 0 W window edit later --start "$(date -u -d '-1 min' +%H:%M)"
for _ in $(seq 100); do
	[ "$(W --json upgrade show in-window | jq -r '.machines[1].status')" = running ] && break
	sleep 0.1
done
agent B
expect_eq "root-b upgraded in its window" "$(ver B)" 2.0
expect_eq "the plan passed" "$(W --json upgrade show in-window | jq -r '[.status, .machines[].status] | join(" ")')" "passed passed passed"
expect_eq "the rings' log says who waited" \
	"$(logj upgrade.ring '[reverse[] | select(.details.plan == '"$(W --json upgrade show in-window | jq .id)"') | (.details.queued | map(.host + "@" + .window) | join(",")) + "/" + (.details.waiting_for_window | tostring)] | join(" ")')" \
	"root-a@open-now/1 root-b@later/0"
# A job that reaches its agent after the window closed: refused by the pre-check.
agent B
expect_exit "plan in the window, extra" 0 W upgrade plan late --host root-b --package ward-testpkg-extra --min-free 1 \
	--allow-no-rollback --in-window
for _ in $(seq 100); do
	[ "$(W --json upgrade show late | jq -r '.machines[0].status')" = running ] && break
	sleep 0.1
done
WARD_TEST_CLOCK_OFFSET=2h inroot B "$WARD" agent run --once --state /var/lib/ward-agent-test >>"$TMP/agentB.log" 2>&1
expect_eq "failed before anything changed" "$(W --json upgrade show late | jq -r '[.status, .machines[0].reason, .machines[0].steps[0].name, .machines[0].steps[0].status] | join("|")')" \
	"failed|the maintenance window closed before the job started|maintenance window|failed"
expect_eq "extra untouched" "$(ver B ward-testpkg-extra)" 1.0
expect_exit "a window removed" 0 W window remove open-now
expect_exit "the log verifies" 0 W log verify

expect_eq "the machine's own packages untouched" "$(dpkg-query -W ward-testpkg ward-testpkg-extra 2>/dev/null || echo none)" none
finish
