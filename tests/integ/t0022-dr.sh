#!/usr/bin/env bash
# Recovery plans end to end: the default plan `ward init` makes for Ward's own database;
# plan CRUD through the CLI and the API with roles; bad input refused with nothing
# written; a backup and a verified restore drill of a real small tree (CLI, then the API
# and the scheduler in the server's worker threads); a tampered repository failing its
# drill; an RPO miss (the run records backdated) turning the plan red and opening a
# finding that a new backup closes; and every change in the activity log.
. "$(dirname "$0")/lib.sh"
WARD_SRC_DIR=${WARD_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
export WARD_BACKUP_KDF=1:8192
D=$(new_data)
W() { "$WARD" --data "$D" "$@"; }
j() { printf '%s' "$BODY" | jq -r "$1"; }
count() { sqlite3 "$D/ward.db" "SELECT count(*) FROM $1"; }
is_error() { printf '%s' "$BODY" | jq -e 'has("error") and (.error | type == "string") and (keys | length == 1)' >/dev/null; }
expect_error() {
	expect_eq "$1: status" "$STATUS" "$2"
	if is_error; then pass "$1: body is {\"error\": ...}"; else fail "$1: body is not an error object: $BODY"; fi
	expect_match "$1: message" "$(j .error)" "$3"
}

# The default plan: Ward's own database, a generated 0600 password file.
expect_exit "default plan listed" 0 W --json dr plan show ward
expect_eq "default plan dumps ward.db" "$(printf '%s' "$OUT" | jq -r '.dumps[0]')" "sqlite:$(cd "$D" && pwd)/ward.db"
expect_eq "default plan schedule, RPO, RTO" "$(printf '%s' "$OUT" | jq -c '[.backup_schedule, .rpo, .rto, .drill_schedule]')" \
	'["daily 02:00",93600,3600,"every 7d"]'
expect_eq "password file is 0600" "$(stat -c %a "$D/backups/ward.password")" 600
expect_eq "no backup yet: amber" "$(printf '%s' "$OUT" | jq -r '.status.color')" amber
expect_exit "init again keeps one plan" 0 "$WARD" --data "$D" init
expect_eq "one default plan" "$(count dr_plans)" 1
expect_exit "backup of Ward's own database" 0 W dr backup ward
expect_match "the dump went in" "$OUT" 'backup ward: ok'
expect_exit "drill of Ward's own database" 0 W dr drill ward
expect_match "verified" "$OUT" 'drill ward: passed.*1 files'
expect_exit "removing the default plan" 0 W dr plan remove ward
expect_exit "init does not bring it back" 0 "$WARD" --data "$D" init
expect_eq "no plan" "$(count dr_plans)" 0

# A small real tree.
F=$TMP/files
mkdir -p "$F/docs/deep/er" "$TMP/empty"
echo "quarterly report" >"$F/docs/report.txt"
head -c 2500000 /dev/urandom >"$F/docs/deep/er/blob.bin"
: >"$F/empty-file"
ln -s docs/report.txt "$F/link"
chmod 640 "$F/docs/report.txt"
printf 'repository password\n' >"$TMP/repo.pw"
R=$TMP/repo

# CLI: bad input is refused with a clear message and nothing written.
before=$(count dr_plans)/$(log_count "$D")
expect_exit "no repo" 1 W dr plan add app --password-file "$TMP/repo.pw" --rpo 2h --rto 10m --path "$F"
expect_match "no repo: said" "$ERR" "needs 'repo'"
expect_exit "nothing to back up" 1 W dr plan add app --repo "$R" --password-file "$TMP/repo.pw" --rpo 2h --rto 10m
expect_match "nothing to back up: said" "$ERR" "needs something to back up"
expect_exit "relative path" 1 W dr plan add app --repo "$R" --password-file "$TMP/repo.pw" --rpo 2h --rto 10m --path files
expect_match "relative path: said" "$ERR" "must be an absolute path, not 'files'"
expect_exit "bad RPO" 1 W dr plan add app --repo "$R" --password-file "$TMP/repo.pw" --rpo soon --rto 10m --path "$F"
expect_match "bad RPO: said" "$ERR" "field 'rpo': 'soon' is not a duration"
expect_exit "schedule slower than the RPO" 1 W dr plan add app --repo "$R" --password-file "$TMP/repo.pw" \
	--rpo 2h --rto 10m --path "$F" --backup-schedule 'every 6h'
expect_match "schedule vs RPO: said" "$ERR" "leaves gaps longer than the RPO"
expect_exit "bad schedule" 1 W dr plan add app --repo "$R" --password-file "$TMP/repo.pw" --rpo 2h --rto 10m \
	--path "$F" --backup-schedule 'sometimes'
expect_match "bad schedule: said" "$ERR" "schedule 'sometimes'"
expect_exit "missing password file" 1 W dr plan add app --repo "$R" --password-file "$TMP/nope.pw" --rpo 2h \
	--rto 10m --path "$F" --backup-schedule 'every 1h'
expect_match "missing password file: said" "$ERR" "cannot read the password file '$TMP/nope.pw'"
expect_exit "bad dump" 1 W dr plan add app --repo "$R" --password-file "$TMP/repo.pw" --rpo 2h --rto 10m \
	--dump 'oracle:x'
expect_match "bad dump: said" "$ERR" "field 'dumps'"
expect_exit "bad name" 1 W dr plan add 'App One' --repo "$R" --password-file "$TMP/repo.pw" --rpo 2h --rto 10m --path "$F"
expect_match "bad name: said" "$ERR" "plan name 'App One'"
expect_exit "an enrolled host is not supported yet" 1 W dr plan add app --machine db01 --repo "$R" \
	--password-file "$TMP/repo.pw" --rpo 2h --rto 10m --path "$F"
expect_match "machine: said" "$ERR" "machine 'db01' is neither 'local' nor an enrolled host"
expect_eq "refusals wrote nothing" "$(count dr_plans)/$(log_count "$D")" "$before"
expect_exit "drill before any backup" 1 W dr drill nosuch
expect_match "unknown plan" "$ERR" "recovery plan 'nosuch' does not exist"

# CLI: add, show, edit, list.
expect_exit "plan add" 0 W dr plan add app --repo "$R" --password-file "$TMP/repo.pw" --rpo 2h --rto 10m \
	--path "$F" --exclude '*.tmp' --backup-schedule 'every 1h' --drill-schedule manual --keep-last 3 \
	--step 'Stop the app' --step 'Restore the files' --owner alice --contacts 'alice@example.com, +1 555 0100'
expect_exit "plan show --json" 0 W --json dr plan show app
expect_eq "fields kept" "$(printf '%s' "$OUT" | jq -c '[.paths, .excludes, .steps, .retention, .owner, .rpo, .rto]')" \
	"[[\"$F\"],[\"*.tmp\"],[\"Stop the app\",\"Restore the files\"],{\"last\":3},\"alice\",7200,600]"
expect_exit "duplicate name" 1 W dr plan add app --repo "$R" --password-file "$TMP/repo.pw" --rpo 2h --rto 10m \
	--path "$F" --backup-schedule manual
expect_match "duplicate: said" "$ERR" "recovery plan 'app' exists already"
expect_exit "drill with no backup" 1 W dr drill app
expect_match "drill with no backup: said" "$ERR" "has no good backup to restore"
expect_exit "edit" 0 W dr plan edit app --rto 15m --contacts 'ops@example.com'
expect_eq "edited" "$(W --json dr plan show app | jq -c '[.rto, .contacts, .owner]')" '[900,"ops@example.com","alice"]'
expect_exit "edit with a bad value" 1 W dr plan edit app --rpo 30m
expect_match "edit refused" "$ERR" "leaves gaps longer than the RPO"
expect_eq "refused edit changed nothing" "$(W --json dr plan show app | jq .rpo)" 7200

# CLI: a backup and a drill of the real tree.
expect_exit "backup now" 0 W dr backup app
expect_match "backup summary" "$OUT" 'backup app: ok .*\(3 new'
expect_eq "repository made on the first backup" "$(test -f "$R/config" && echo yes)" yes
expect_exit "drill now" 0 W --json dr drill app
expect_eq "drill passed" "$(printf '%s' "$OUT" | jq -r .status)" passed
expect_eq "every file verified" "$(printf '%s' "$OUT" | jq -c '.details | [.verified_files, .problems, .verified_bytes >= 2500000]')" \
	'[3,0,true]'
expect_eq "scratch folder removed" "$(ls -A "$D/dr-scratch" | wc -l)" 0
expect_exit "status green" 0 W --json dr status
expect_eq "green" "$(printf '%s' "$OUT" | jq -r '.[] | select(.plan == "app") | .status.color')" green

# A drill that finds damage fails (red): flip a byte in every pack.
cp -a "$R" "$TMP/repo.good"
for p in $(find "$R/data" -type f); do
	printf '\xff' | dd of="$p" bs=1 seek=40 conv=notrunc status=none
done
expect_exit "drill of a damaged repository fails" 1 W dr drill app
expect_match "damage named" "$OUT" 'drill app: failed'
expect_exit "status red after a failed drill" 1 W --json dr status
expect_match "red reason" "$(printf '%s' "$OUT" | jq -r '.[] | select(.plan == "app") | .status | .color + ": " + (.reasons | join("; "))')" \
	'^red: .*the last restore drill failed'
rm -rf "$R" && mv "$TMP/repo.good" "$R"
expect_exit "drill passes again" 0 W dr drill app

# The API: roles, CRUD, errors, runs in worker threads, the scheduler.
printf 'support password\n' >"$TMP/sup.pw"
W user add sam --role support --password-file "$TMP/sup.pw" >/dev/null
atok=$(W token create admin-script --user admin | head -1)
stok=$(W token create sam-script --user sam | head -1)
A=(-H "Authorization: Bearer $atok")
S=(-H "Authorization: Bearer $stok")
# A run left "running" by a process that is gone is marked failed when the server starts.
sqlite3 "$D/ward.db" "INSERT INTO dr_runs (plan_id, kind, status, actor, pid, started_at)
	SELECT id, 'backup', 'running', 'local:x', 999999999, strftime('%s', 'now') FROM dr_plans WHERE name = 'app'"
mkdir -p "$D/dr-scratch/424242/x" && chmod 500 "$D/dr-scratch/424242"
WARD_SCHED_TICK=3600 start_ward "$D"
expect_eq "interrupted run marked failed" \
	"$(sqlite3 "$D/ward.db" "SELECT status || ': ' || error FROM dr_runs WHERE pid = 999999999")" \
	"failed: interrupted: the process running it (pid 999999999) is gone"
expect_eq "leftover scratch folder removed" "$(ls -A "$D/dr-scratch" | wc -l)" 0
api GET /api/v1/dr/plans "${S[@]}"
expect_eq "support lists plans" "$STATUS $(j '[.plans[].name] | join(",")')" "200 app"
expect_eq "the interrupted backup makes it red" "$(j '.plans[0].status | .color + ": " + .reasons[0]')" \
	"red: the last backup failed"
api POST /api/v1/dr/plans "${S[@]}" -d '{"name": "x"}'
expect_error "support cannot add" 403 'admin'
api POST /api/v1/dr/plans/app/backup "${S[@]}"
expect_error "support cannot back up" 403 'admin'
api POST /api/v1/dr/plans "${A[@]}" -d '{"name": "web", "paths": ["/srv"], "repo": "/r", "password_file": "/nope", "rpo": "2h", "rto": "1h", "color": "red"}'
expect_error "unknown field" 400 "'color'"
api POST /api/v1/dr/plans "${A[@]}" -d '{"name": "web", "paths": "/srv"}'
expect_error "paths not an array" 400 "field 'paths' must be an array"
api POST /api/v1/dr/plans "${A[@]}" -d '{"name": '
expect_error "bad JSON" 400 '.'
api GET /api/v1/dr/plans/nosuch "${S[@]}"
expect_error "no such plan" 404 "recovery plan 'nosuch' does not exist"
mkdir -p "$TMP/web"
echo "<h1>hi</h1>" >"$TMP/web/index.html"
api POST /api/v1/dr/plans "${A[@]}" -d "$(jq -n --arg p "$TMP/web" --arg r "$TMP/webrepo" --arg pw "$TMP/repo.pw" \
	'{name: "web", description: "The intranet site", paths: [$p], repo: $r, password_file: $pw, rpo: "2h", rto: 600,
	  backup_schedule: "every 1h", drill_schedule: "every 1d", steps: ["Restore /srv/www"], owner: "bob"}')"
expect_eq "admin adds a plan" "$STATUS $(j .plan.name) $(j .plan.rto)" "201 web 600"
# The scheduler was woken by the new plan: its backup, then its drill.
for _ in $(seq 100); do
	api GET /api/v1/dr/plans/web "${S[@]}"
	[ "$(j '.plan.status.last_drill.status')" = passed ] && break
	sleep 0.2
done
expect_eq "scheduled backup and drill ran" "$(j '[.plan.status.last_good_backup.actor, .plan.status.last_drill.actor, .plan.status.last_drill.status] | join(" ")')" \
	"scheduler scheduler passed"
expect_eq "web is green" "$(j .plan.status.color)" green
api GET /api/v1/dr/plans/web/snapshots "${S[@]}"
expect_eq "one snapshot" "$STATUS $(j '.snapshots | length')" "200 1"
api GET /api/v1/dr/plans/web/drills "${S[@]}"
expect_eq "drill history with a duration" "$(j '.runs[0] | [.kind, .status, (.seconds | type)] | join(" ")')" "drill passed number"
api POST /api/v1/dr/plans/app/backup "${A[@]}"
expect_eq "backup on demand: 202" "$STATUS $(j .run.status) $(j .run.actor)" "202 running admin"
run=$(j .run.id)
for _ in $(seq 100); do
	api GET /api/v1/dr/plans/app/runs "${S[@]}"
	[ "$(j ".runs[] | select(.id == $run) | .status")" = ok ] && break
	sleep 0.2
done
expect_eq "backup finished in the background" "$(j ".runs[] | select(.id == $run) | .status")" ok
api GET /api/v1/dr/plans/app "${S[@]}"
expect_eq "green again" "$(j .plan.status.color)" green
# One run per plan at a time (a run of this server's process, as if still going on).
sqlite3 "$D/ward.db" "INSERT INTO dr_runs (plan_id, kind, status, actor, pid, started_at)
	SELECT id, 'drill', 'running', 'admin', $SERVER_PID, strftime('%s', 'now') FROM dr_plans WHERE name = 'app'"
api POST /api/v1/dr/plans/app/backup "${A[@]}"
expect_error "a second run is refused" 409 "recovery plan 'app' has a drill running"
api DELETE /api/v1/dr/plans/app "${A[@]}"
expect_error "no removal while running" 409 "has a drill running"
sqlite3 "$D/ward.db" "DELETE FROM dr_runs WHERE status = 'running'"
api POST /api/v1/dr/plans "${A[@]}" -d "$(jq -n --arg p "$TMP/web" --arg pw "$TMP/repo.pw" \
	'{name: "remote", machine: "db01", paths: [$p], repo: "/r", password_file: $pw, rpo: "2h", rto: "1h", backup_schedule: "manual"}')"
expect_error "a machine that is not enrolled" 400 "machine 'db01' is neither 'local' nor an enrolled host"
api PATCH /api/v1/dr/plans/web "${A[@]}" -d '{"rpo": "90m"}'
expect_eq "admin edits" "$STATUS $(j .plan.rpo)" "200 5400"
api PATCH /api/v1/dr/plans/web "${A[@]}" -d '{"name": "other"}'
expect_error "renaming refused" 400 "cannot change"
api PATCH /api/v1/dr/plans/web "${S[@]}" -d '{"rpo": "3h"}'
expect_error "support cannot edit" 403 'admin'

# An RPO miss: the records say the last backups were 3 hours ago. The admins with an
# e-mail address and the owner, when a user, are mailed (a real SMTP server on loopback).
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || fail "python3-aiosmtpd is not installed (scripts/deps test installs it)"
mkdir -p "$TMP/sink"
/usr/bin/python3 "$WARD_SRC_DIR/tests/integ/smtp-sink.py" "$TMP/sink" "$TMP/sink.port" &
SINK=$!
trap 'kill $SINK 2>/dev/null; cleanup' EXIT
for _ in $(seq 100); do [ -s "$TMP/sink.port" ] && break; sleep 0.05; done
printf '{"from_addr": "ward@corp.example", "smtp_host": "127.0.0.1", "smtp_port": "%s", "tls": "none"}' \
	"$(cat "$TMP/sink.port")" >"$TMP/mail.json"
W helpdesk settings --mail "$TMP/mail.json" >/dev/null
W user add ops --role admin --email ops@corp.example --password-file "$TMP/sup.pw" >/dev/null
W user add bob --role support --email bob@corp.example --password-file "$TMP/sup.pw" >/dev/null
W user add carl --role support --email carl@corp.example --password-file "$TMP/sup.pw" >/dev/null
sqlite3 "$D/ward.db" "UPDATE dr_runs SET started_at = started_at - 10800, finished_at = finished_at - 10800,
	snapshot_time = snapshot_time - 10800 WHERE plan_id = (SELECT id FROM dr_plans WHERE name = 'web')"
api GET /api/v1/dr/plans/web "${S[@]}"
expect_eq "RPO missed: red" "$(j .plan.status.color)" red
expect_match "the reason" "$(j '.plan.status.reasons[0]')" 'RPO missed: the newest good backup is 3h 0m old'
expect_exit "ward dr check opens a finding" 0 W dr check
expect_match "one opened, mailed to the admin and the owner" "$OUT" '1 finding opened, 0 closed; 2 alerts mailed$'
expect_eq "to whom" "$(grep -h '^To: ' "$TMP"/sink/*.eml | sort | tr -d '\r' | tr '\n' ' ')" \
	"To: bob@corp.example To: ops@corp.example "
expect_match "what about" "$(cat "$TMP"/sink/*.eml)" 'Subject: Recovery plan web missed its RPO'
expect_match "why" "$(cat "$TMP"/sink/*.eml)" "the newest good backup is 3h 0m old"
expect_exit "ward dr check again" 0 W dr check
expect_match "an open finding is not mailed again" "$OUT" '0 findings opened, 0 closed; 0 alerts mailed$'
expect_eq "alert logged" "$(W --json log list --action dr.alert | jq -c '.[0].details | [.to, .sent, .unsent]')" \
	'[["bob@corp.example","ops@corp.example"],2,null]'
api GET /api/v1/findings "${S[@]}"
expect_eq "finding listed" "$(j '[.findings[] | select(.source == "dr") | .subject + " " + .severity] | join(",")')" "dr-plan:web high"
api POST /api/v1/dr/plans/web/backup "${A[@]}"
for _ in $(seq 100); do
	api GET /api/v1/findings "${S[@]}"
	[ "$(j '.findings | length')" = 0 ] && break
	sleep 0.2
done
expect_eq "a new backup closes the finding (the scheduler's sweep)" "$(j '.findings | length')" 0

# A plan on an enrolled host: its agent runs the backup and the drill as signed jobs with
# the same engine, and the server records what it reports.
cp -a "$WARD_SRC_DIR/tests/fixtures/debian12" "$TMP/root"
agent() { "$WARD" agent "$@" --state "$TMP/state"; }
agent enroll --server "$URL" --token "$(W host enroll-token | head -1)" --hostname db01 >/dev/null
agent run --once --root "$TMP/root" >/dev/null 2>&1
mkdir -p "$TMP/dbfiles" && echo "id,name" >"$TMP/dbfiles/table.csv"
api POST /api/v1/dr/plans "${A[@]}" -d "$(jq -n --arg p "$TMP/dbfiles" --arg r "$TMP/dbrepo" --arg pw "$TMP/repo.pw" \
	'{name: "db", machine: "db01", paths: [$p], repo: $r, password_file: $pw, rpo: "2h", rto: "10m",
	  backup_schedule: "manual", drill_schedule: "manual"}')"
expect_eq "a plan on db01" "$STATUS $(j .plan.machine)" "201 db01"
api POST /api/v1/dr/plans/db/backup "${A[@]}"
expect_eq "backup queued as a job" "$STATUS $(j .run.status) $(j '.run.job | type')" "202 running number"
job=$(j .run.job)
expect_eq "the job is the agent's" "$(W --json job show "$job" | jq -r '[.kind, .status, .params.name, (.params | has("password"))] | join(" ")')" \
	"backup queued db false"
expect_exit "agent runs the backup" 0 agent run --once --root "$TMP/root"
api GET /api/v1/dr/plans/db "${S[@]}"
expect_eq "the host's backup recorded" "$(j '.plan.status.last_good_backup | [.status, (.snapshot | length), .job] | join(" ")')" "ok 64 $job"
expect_eq "the repository is on the host" "$(test -f "$TMP/dbrepo/config" && echo yes)" yes
expect_exit "ward dr drill queues for the host" 0 W dr drill db
expect_match "says so" "$OUT" "drill db: queued as job [0-9]+ for 'db01'"
expect_exit "agent runs the drill" 0 agent run --once --root "$TMP/root"
api GET /api/v1/dr/plans/db "${S[@]}"
expect_eq "the host's drill passed and verified" "$(j '.plan.status | [.color, .last_drill.status, .last_drill.details.verified_files] | join(" ")')" \
	"green passed 1"
api GET /api/v1/dr/plans/db/snapshots "${S[@]}"
expect_eq "snapshots as the host reported them" "$(j '.snapshots | [length, .[0].hostname] | join(" ")')" "1 db01"
W dr plan edit db --password-file "$TMP/not-on-the-host.pw" >/dev/null
W dr backup db >/dev/null
agent run --once --root "$TMP/root" >/dev/null 2>&1
api GET /api/v1/dr/plans/db "${S[@]}"
expect_match "a failure on the host is recorded with why" "$(j '.plan.status | .color + " " + .last_backup.error')" \
	"^red repository '$TMP/dbrepo': cannot read the password file '$TMP/not-on-the-host.pw'"

# Remove: admin only; the repository stays.
api DELETE /api/v1/dr/plans/web "${S[@]}"
expect_error "support cannot remove" 403 'admin'
api DELETE /api/v1/dr/plans/web "${A[@]}"
expect_eq "admin removes" "$STATUS $(j .removed)" "200 web"
expect_eq "repository kept" "$(test -f "$TMP/webrepo/config" && echo yes)" yes
stop_ward

# Everything is in the activity log.
acts=$(W --json log list --limit 500 | jq -r '[.[].action | select(startswith("dr.") or startswith("finding."))] | unique | join(",")')
expect_eq "logged" "$acts" "dr.alert,dr.backup,dr.drill,dr.plan.create,dr.plan.edit,dr.plan.remove,finding.close,finding.open"
expect_eq "the scheduler's runs are logged as its own" \
	"$(W --json log list --limit 500 | jq -r '[.[] | select(.action == "dr.drill" and .object == "dr-plan:web") | .actor] | unique | join(",")')" scheduler
expect_exit "log verify" 0 W log verify
finish
