#!/usr/bin/env bash
# Recovery plan alerts by e-mail, against a real SMTP server on loopback and a running
# server whose scheduler ticks every second: a failed restore drill and a missed RPO
# each mail the plan's owner (a user, or an address), every address in its contacts
# and the admins with an address, once per transition however many rounds the plan
# stays red; a drill that passes again closes the finding, and the next failure mails
# again; each alert is in the activity log.
. "$(dirname "$0")/lib.sh"
WARD_SRC_DIR=${WARD_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
export WARD_BACKUP_KDF=1:8192
D=$(new_data)
W() { "$WARD" --data "$D" "$@"; }

/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || { fail "python3-aiosmtpd is not installed (scripts/deps test installs it)"; finish; exit 1; }
mkdir -p "$TMP/sink"
/usr/bin/python3 "$WARD_SRC_DIR/tests/integ/smtp-sink.py" "$TMP/sink" "$TMP/sink.port" &
SINK=$!
trap 'kill $SINK 2>/dev/null; cleanup' EXIT
for _ in $(seq 100); do [ -s "$TMP/sink.port" ] && break; sleep 0.05; done
printf '{"from_addr": "ward@corp.example", "smtp_host": "127.0.0.1", "smtp_port": "%s", "tls": "none"}' \
	"$(cat "$TMP/sink.port")" >"$TMP/mail.json"
W helpdesk settings --mail "$TMP/mail.json" >/dev/null
printf 'a password\n' >"$TMP/u.pw"
W user add olga --role support --email olga@corp.example --password-file "$TMP/u.pw" >/dev/null
W user add ops --role admin --email ops@corp.example --password-file "$TMP/u.pw" >/dev/null
W user add gone --role admin --email gone@corp.example --password-file "$TMP/u.pw" >/dev/null
W user disable gone >/dev/null
W dr plan remove ward >/dev/null # its first backup is due at 02:00: not part of this test

# Mails in the sink: "To: a To: b" for those whose subject matches.
mails() { grep -l -- "^Subject: $1" "$TMP"/sink/*.eml 2>/dev/null | xargs -r grep -h '^To: ' | tr -d '\r' | LC_ALL=C sort | tr '\n' ' '; }
nmails() { ls "$TMP"/sink/*.eml 2>/dev/null | wc -l; }
wait_mails() { # wait_mails N: until the sink holds N messages (10 s at most)
	for _ in $(seq 100); do [ "$(nmails)" -ge "$1" ] && break; sleep 0.1; done
}

F=$TMP/files
mkdir -p "$F"
head -c 300000 /dev/urandom >"$F/data.bin"
echo "notes" >"$F/notes.txt"
printf 'repository password\n' >"$TMP/repo.pw"
R=$TMP/repo
expect_exit "plan add" 0 W dr plan add files --repo "$R" --password-file "$TMP/repo.pw" --rpo 2h --rto 10m \
	--path "$F" --backup-schedule manual --drill-schedule manual --owner olga \
	--contacts 'Storage team <storage@corp.example>; on call: oncall@corp.example. +1 555 0100, not-an-address@'
expect_exit "plan add, owner an address" 0 W dr plan add other --repo "$TMP/repo2" --password-file "$TMP/repo.pw" \
	--rpo 2h --rto 10m --path "$F" --backup-schedule manual --drill-schedule manual --owner owner@partner.example
expect_exit "a good backup" 0 W dr backup files
expect_exit "a good drill" 0 W dr drill files
expect_exit "a good backup of the other" 0 W dr backup other

WARD_SCHED_TICK=1 start_ward "$D"
sleep 3
expect_eq "nothing to say while all is well" "$(nmails)" 0

# A drill of a damaged repository fails: one mail to each, then silence.
cp -a "$R" "$TMP/repo.good"
for p in $(find "$R/data" -type f); do
	printf '\xff' | dd of="$p" bs=1 seek=40 conv=notrunc status=none
done
expect_exit "a drill that fails" 1 W dr drill files
wait_mails 4
sleep 3 # three more rounds of the scheduler
expect_eq "drill failure mailed to owner, contacts and enabled admins" "$(mails 'Recovery plan files: a restore drill failed')" \
	"To: olga@corp.example To: oncall@corp.example To: ops@corp.example To: storage@corp.example "
expect_eq "once, not every round" "$(nmails)" 4
# The body is quoted-printable: soft line breaks ("=" at the end) joined first.
body() { cat "$TMP"/sink/*.eml | tr -d '\r' | sed -e ':a' -e '/=$/{N;s/=\n//;ba' -e '}'; }
expect_match "why, in the mail" "$(body)" "recovery plan 'files': the restore drill \(run [0-9]+, [0-9TZ:-]+\) failed: "
expect_match "what to do" "$(cat "$TMP"/sink/*.eml)" "'ward dr drill files' tries again"
expect_match "marked as Ward's" "$(cat "$TMP"/sink/*.eml)" 'X-Ward-Alert: drill'
expect_eq "a finding for it" "$(W --json finding list | jq -r '[.[] | select(.key == "drill:files") | .severity] | join(",")')" high
expect_eq "logged" "$(W --json log list --action dr.alert | jq -c '.[0] | [.object, .details.about, .details.sent, (.details.to | length)]')" \
	'["dr-plan:files","drill",4,4]'

# It fails again: the plan was red already, nobody is mailed again.
expect_exit "a second failing drill" 1 W dr drill files
sleep 3
expect_eq "no mail for a plan that stays red" "$(nmails)" 4

# It passes: the finding closes, silently; the next failure is a new transition.
rm -rf "$R" && mv "$TMP/repo.good" "$R"
expect_exit "a drill that passes again" 0 W dr drill files
for _ in $(seq 50); do
	[ "$(W --json finding list | jq '[.[] | select(.key == "drill:files")] | length')" = 0 ] && break
	sleep 0.2
done
expect_eq "the finding closed" "$(W --json finding list | jq '[.[] | select(.key == "drill:files")] | length')" 0
expect_eq "closing is not mailed" "$(nmails)" 4
mv "$R/data" "$TMP/data.aside"
expect_exit "a drill that fails once more" 1 W dr drill files
wait_mails 8
sleep 2
expect_eq "a new failure, a new mail to each" "$(nmails)" 8
mv "$TMP/data.aside" "$R/data"

# The RPO missed (the records backdated 3 hours): mailed once, the owner an address.
sqlite3 "$D/ward.db" "UPDATE dr_runs SET started_at = started_at - 10800, finished_at = finished_at - 10800,
	snapshot_time = snapshot_time - 10800 WHERE plan_id = (SELECT id FROM dr_plans WHERE name = 'other')"
wait_mails 10
sleep 3
expect_eq "RPO missed: owner's address and the admin" "$(mails 'Recovery plan other missed its RPO')" \
	"To: ops@corp.example To: owner@partner.example "
expect_eq "once, not every round" "$(nmails)" 10
expect_match "why" "$(grep -l 'Subject: Recovery plan other' "$TMP"/sink/*.eml | xargs cat)" 'the newest good backup is 3h 0m old'
expect_eq "logged" "$(W --json log list --action dr.alert | jq -c '.[0] | [.object, .details.about, .details.sent, .details.to]')" \
	'["dr-plan:other","rpo",2,["ops@corp.example","owner@partner.example"]]'

# The mail server gone: the alert is logged with why it was not delivered.
printf '{"from_addr": "ward@corp.example", "smtp_host": "127.0.0.1", "smtp_port": "1", "tls": "none"}' >"$TMP/gone.json"
W helpdesk settings --mail "$TMP/gone.json" >/dev/null
mv "$TMP/repo2/data" "$TMP/data2.aside"
expect_exit "the other plan's drill fails" 1 W dr drill other
for _ in $(seq 50); do
	[ "$(W --json log list --action dr.alert | jq -r '.[0].details.about')" = drill ] && break
	sleep 0.2
done
expect_eq "an undelivered alert is logged with the errors" \
	"$(W --json log list --action dr.alert | jq -c '.[0] | [.object, .details.about, .details.sent, (.details.errors | length)]')" \
	'["dr-plan:other","drill",0,2]'
expect_eq "nothing reached the sink" "$(nmails)" 10

finish
