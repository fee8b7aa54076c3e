#!/usr/bin/env bash
# Tickets through the API and the CLI against a real `ward serve`: roles (an employee
# sees only their own tickets and never internal notes), the status machine and the
# SLA clock, escalation, search, keyset pagination, and bad input changing nothing.
. "$(dirname "$0")/lib.sh"

D=$(new_data)
for u in erin:employee eve:employee sam:support; do
	printf '%s password\n' "${u%%:*}" >"$TMP/${u%%:*}.pw"
	"$WARD" --data "$D" user add "${u%%:*}" --role "${u#*:}" --password-file "$TMP/${u%%:*}.pw" >/dev/null
done
tok() { "$WARD" --data "$D" token create "t-$1" --user "$1" | head -1; }
ERIN=$(tok erin) EVE=$(tok eve) SAM=$(tok sam) ADMIN=$(tok admin)
# A calendar where every minute is business time, so the clocks run during the test.
cat >"$TMP/cal.json" <<'EOF'
{"timezone": "UTC", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "hours": "00:00-23:59", "holidays": []}
EOF
expect_exit "calendar set" 0 "$WARD" --data "$D" helpdesk settings --calendar "$TMP/cal.json"
start_ward "$D"
as() { local t=$1; shift; api "$@" -H "Authorization: Bearer $t" -H 'Content-Type: application/json'; }
count() { sqlite3 "$D/ward.db" "SELECT count(*) FROM $1"; }

# --- an employee files a ticket ---
as "$ERIN" POST /api/v1/tickets -d '{"title":"Printer <b>jams</b>; DROP TABLE tickets;--","description":"The 3rd floor printer jams on every duplex job.","impact":2,"urgency":2,"tags":["printer"]}'
expect_eq "employee files a ticket" "$STATUS" 201
N=$(printf '%s' "$BODY" | jq -r .ticket.number)
expect_eq "markup and SQL kept as text" "$(printf '%s' "$BODY" | jq -r .ticket.title)" 'Printer <b>jams</b>; DROP TABLE tickets;--'
expect_eq "status new, tier 1, priority 3" "$(printf '%s' "$BODY" | jq -c '[.ticket.status, .ticket.tier, .ticket.priority, .ticket.requester]')" '["new",1,3,"erin"]'
expect_match "due times set" "$(printf '%s' "$BODY" | jq -r '.ticket.response_due_at, .ticket.resolve_due_at' | tr '\n' ' ')" '^[0-9]+ [0-9]+ $'
as "$ERIN" POST /api/v1/tickets -d '{"title":"x","description":"y","requester":"eve"}'
expect_eq "an employee cannot file for someone else" "$STATUS" 403

# --- roles ---
as "$EVE" GET "/api/v1/tickets/$N"
expect_eq "another employee gets 404" "$STATUS" 404
as "$EVE" GET /api/v1/tickets
expect_eq "another employee's list is empty" "$(printf '%s' "$BODY" | jq '.tickets | length')" 0
as "$ERIN" GET /api/v1/tickets
expect_eq "the requester's list has it" "$(printf '%s' "$BODY" | jq -c '[.tickets[].number]')" "[$N]"
as "$EVE" POST "/api/v1/tickets/$N/comments" -d '{"body":"me too"}'
expect_eq "another employee cannot comment" "$STATUS" 404
as "$ERIN" POST "/api/v1/tickets/$N/comments" -d '{"body":"secret","internal":true}'
expect_eq "an employee cannot write internal notes" "$STATUS" 403
as "$ERIN" PATCH "/api/v1/tickets/$N" -d '{"assignee":"sam"}'
expect_eq "an employee cannot assign" "$STATUS" 403
as "$ERIN" GET /api/v1/helpdesk/settings
expect_eq "settings are for staff" "$STATUS" 403

# --- support works it ---
as "$SAM" GET '/api/v1/tickets?status=active&sort=due'
expect_eq "support sees the queue" "$(printf '%s' "$BODY" | jq -c '[.tickets[].number]')" "[$N]"
as "$SAM" POST "/api/v1/tickets/$N/comments" -d '{"body":"Which tray do you use?"}'
expect_eq "support replies" "$STATUS" 201
as "$SAM" POST "/api/v1/tickets/$N/comments" -d '{"body":"Fuser unit looks worn; zebracode 4711","internal":true}'
expect_eq "support adds an internal note" "$STATUS" 201
as "$SAM" GET "/api/v1/tickets/$N"
expect_eq "first reply opens it and stops the response clock" "$(printf '%s' "$BODY" | jq -c '[.ticket.status, (.ticket.first_response_at != null), .ticket.response_due_at]')" '["open",true,null]'
as "$ERIN" GET "/api/v1/tickets/$N"
expect_eq "the requester sees the reply" "$(printf '%s' "$BODY" | jq -r '[.ticket.timeline[] | select(.kind == "reply") | .body] | join("|")')" "Which tray do you use?"
expect_eq "but never the internal note" "$(printf '%s' "$BODY" | jq '[.ticket.timeline[] | select(.public == false)] | length')" 0
as "$ERIN" GET '/api/v1/search?q=zebracode'
expect_eq "nor finds it by search" "$(printf '%s' "$BODY" | jq '.results | length')" 0
as "$SAM" GET '/api/v1/search?q=zebrac*'
expect_eq "support finds the note by prefix" "$(printf '%s' "$BODY" | jq -c '[.results[] | [.number, .kind]]')" "[[$N,\"comment\"]]"
expect_match "with a highlighted snippet" "$(printf '%s' "$BODY" | jq -r '.results[0].snippet')" $'\x02zebracode\x03'
as "$ERIN" GET '/api/v1/search?q=duplex'
expect_eq "the requester finds her own ticket" "$(printf '%s' "$BODY" | jq -c '[.results[].number]')" "[$N]"
for q in '%22' 'NEAR(' 'a%20OR' '-x' 'title:jams' '%2A'; do
	as "$SAM" GET "/api/v1/search?q=$q"
	case $STATUS in 200 | 400) pass "search '$q' is safe ($STATUS)" ;; *) fail "search '$q': $STATUS $BODY" ;; esac
done

# Escalation needs a note; assignment only to staff.
as "$SAM" PATCH "/api/v1/tickets/$N" -d '{"tier":2}'
expect_eq "escalation without a note" "$STATUS" 400
as "$SAM" PATCH "/api/v1/tickets/$N" -d '{"tier":2,"note":"Needs a new fuser; generalist orders parts."}'
expect_eq "escalated" "$(printf '%s' "$BODY" | jq -r .ticket.tier)" 2
as "$SAM" PATCH "/api/v1/tickets/$N" -d '{"assignee":"erin"}'
expect_eq "assigning to an employee is refused" "$STATUS" 400
as "$SAM" GET "/api/v1/tickets/$N"
due_assign=$(printf '%s' "$BODY" | jq -c '[.ticket.resolve_due_at, .ticket.sla_used, .ticket.sla_since]')
as "$SAM" PATCH "/api/v1/tickets/$N" -d '{"assignee":"sam"}'
as "$SAM" PATCH "/api/v1/tickets/$N" -d '{"assignee":"admin"}'
expect_eq "assigned to the generalist" "$(printf '%s' "$BODY" | jq -r .ticket.assignee)" admin
expect_eq "reassigning leaves the SLA clock alone" "$(printf '%s' "$BODY" | jq -c '[.ticket.resolve_due_at, .ticket.sla_used, .ticket.sla_since]')" "$due_assign"

# Pending stops the resolution clock; the requester's answer restarts it.
as "$ADMIN" PATCH "/api/v1/tickets/$N" -d '{"status":"pending"}'
expect_eq "pending: clock stopped" "$(printf '%s' "$BODY" | jq -c '[.ticket.status, .ticket.sla_since, .ticket.resolve_due_at]')" '["pending",null,null]'
as "$ERIN" POST "/api/v1/tickets/$N/comments" -d '{"body":"Tray 2, always."}'
as "$ADMIN" GET "/api/v1/tickets/$N"
expect_eq "the requester's answer reopens it and restarts the clock" "$(printf '%s' "$BODY" | jq -c '[.ticket.status, (.ticket.sla_since != null), (.ticket.resolve_due_at != null)]')" '["open",true,true]'
due_before=$(printf '%s' "$BODY" | jq -r .ticket.resolve_due_at)
as "$ADMIN" PATCH "/api/v1/tickets/$N" -d '{"impact":1,"urgency":1}'
expect_eq "priority from impact x urgency" "$(printf '%s' "$BODY" | jq -r .ticket.priority)" 1
due_after=$(printf '%s' "$BODY" | jq -r .ticket.resolve_due_at)
[ "$due_after" -lt "$due_before" ] && pass "a higher priority brings the due time forward" || fail "due $due_before -> $due_after"

# Resolve, rate; closed is final.
as "$ERIN" POST "/api/v1/tickets/$N/rating" -d '{"rating":5}'
expect_eq "no rating before resolution" "$STATUS" 400
as "$ADMIN" PATCH "/api/v1/tickets/$N" -d '{"status":"resolved","resolution":"Replaced the fuser unit."}'
expect_eq "resolved" "$(printf '%s' "$BODY" | jq -c '[.ticket.status, .ticket.resolution]')" '["resolved","Replaced the fuser unit."]'
as "$SAM" POST "/api/v1/tickets/$N/rating" -d '{"rating":5}'
expect_eq "only the requester rates" "$STATUS" 403
as "$ERIN" POST "/api/v1/tickets/$N/rating" -d '{"rating":9}'
expect_eq "rating out of range" "$STATUS" 400
as "$ERIN" POST "/api/v1/tickets/$N/rating" -d '{"rating":5,"comment":"Fast!"}'
expect_eq "the requester rates it" "$STATUS" 200
as "$ERIN" PATCH "/api/v1/tickets/$N" -d '{"status":"closed"}'
expect_eq "the requester closes it" "$(printf '%s' "$BODY" | jq -r .ticket.status)" closed
as "$SAM" POST "/api/v1/tickets/$N/comments" -d '{"body":"one more thing"}'
expect_eq "no comments on a closed ticket" "$STATUS" 400
expect_eq "every change is in the activity log" "$("$WARD" --data "$D" --json log list --limit 500 | jq "[.[] | select(.object == \"ticket:$N\")] | length")" \
	"$(sqlite3 "$D/ward.db" "SELECT count(*) FROM ticket_events WHERE ticket_id = $N")"

# --- bad input changes nothing ---
before=$(count tickets)/$(count ticket_events)/$(log_count "$D")
as "$ERIN" POST /api/v1/tickets -d '{"title":"x"'
expect_eq "malformed JSON" "$STATUS" 400
as "$ERIN" POST /api/v1/tickets -d '{"title":"x","description":"y","prio":1}'
expect_eq "unknown field" "$STATUS" 400
as "$ERIN" POST /api/v1/tickets -d "{\"title\":\"$(head -c 300 /dev/zero | tr '\0' a)\",\"description\":\"y\"}"
expect_eq "title too long" "$STATUS" 400
as "$ERIN" POST /api/v1/tickets -d '{"title":"   ","description":"y"}'
expect_eq "blank title" "$STATUS" 400
as "$ERIN" POST /api/v1/tickets -d '{"title":"a\u0001b","description":"y"}'
expect_eq "control characters" "$STATUS" 400
as "$ERIN" POST /api/v1/tickets -d '{"title":"x","description":"y","impact":7}'
expect_eq "impact out of range" "$STATUS" 400
as "$ERIN" POST /api/v1/tickets -d '{"title":"x","description":"y","host":"no-such-box"}'
expect_eq "unknown machine" "$STATUS" 400
as "$SAM" PATCH "/api/v1/tickets/999999" -d '{"status":"open"}'
expect_eq "missing ticket" "$STATUS" 404
as "$SAM" GET "/api/v1/tickets/abc"
expect_eq "not a number" "$STATUS" 404
as "$SAM" GET "/api/v1/tickets?after=zzz"
expect_eq "bad cursor" "$STATUS" 400
as "$ERIN" POST /api/v1/tickets --data-binary @<(head -c 400000 /dev/zero | tr '\0' a)
expect_eq "oversized body" "$STATUS" 413
expect_eq "nothing was written" "$(count tickets)/$(count ticket_events)/$(log_count "$D")" "$before"

# --- the CLI, and keyset pagination ---
for i in 1 2 3 4 5 6 7; do
	"$WARD" --data "$D" ticket new --title "VPN drops $i" --requester eve --text "VPN disconnects every $i minutes" >/dev/null ||
		fail "ticket new $i"
done
expect_eq "ticket list --json" "$("$WARD" --data "$D" --json ticket list --requester eve | jq '.tickets | length')" 7
seen=() cursor=
for page in 1 2 3 4; do
	out=$("$WARD" --data "$D" --json ticket list --requester eve --limit 3 ${cursor:+--after "$cursor"})
	mapfile -t -O "${#seen[@]}" seen < <(printf '%s' "$out" | jq -r '.tickets[].number')
	cursor=$(printf '%s' "$out" | jq -r '.next // empty')
	[ -z "$cursor" ] && break
done
expect_eq "pages cover every ticket once, newest first" "${seen[*]}" "$("$WARD" --data "$D" --json ticket list --requester eve | jq -r '[.tickets[].number] | join(" ")')"
expect_eq "three pages of 3, 3, 1" "$page" 3
M=$("$WARD" --data "$D" --json ticket list --requester eve --limit 1 | jq -r '.tickets[0].number')
expect_exit "comment from the CLI" 0 "$WARD" --data "$D" ticket comment "$M" --text "Try the new client."
expect_exit "escalate without a note" 2 "$WARD" --data "$D" ticket escalate "$M"
expect_exit "escalate" 0 "$WARD" --data "$D" ticket escalate "$M" --note "Firewall side"
expect_exit "resolve" 0 "$WARD" --data "$D" ticket resolve "$M" --resolution "MTU fixed"
expect_eq "ticket show --json" "$("$WARD" --data "$D" --json ticket show "$M" | jq -c '[.status, .tier, .resolution]')" '["resolved",2,"MTU fixed"]'
expect_match "ticket search" "$("$WARD" --data "$D" ticket search 'disconnects')" "VPN drops"

# --- the SLA check: a ticket at 90% of its time is flagged and escalated once ---
K=$("$WARD" --data "$D" --json ticket list --requester eve --status new --limit 1 | jq -r '.tickets[0].number')
now=$(date +%s)
target=$(sqlite3 "$D/ward.db" "SELECT resolve FROM sla_targets WHERE priority = 3")
sqlite3 "$D/ward.db" "UPDATE tickets SET created_at = $now - $target * 9 / 10, sla_since = $now - $target * 9 / 10, first_response_at = $now WHERE id = $K"
expect_match "sla-check flags it" "$("$WARD" --data "$D" ticket sla-check)" '^1 ticket flagged'
expect_eq "at risk and escalated to tier 2" "$("$WARD" --data "$D" --json ticket show "$K" | jq -c '[.tier, .sla.resolve_at_risk, .auto_escalated]')" '[2,true,true]'
expect_match "nothing new the second time" "$("$WARD" --data "$D" ticket sla-check)" '^0 tickets flagged'
expect_eq "listed as at risk" "$("$WARD" --data "$D" --json ticket list --at-risk | jq -c '[.tickets[].number]')" "[$K]"

finish
