#!/usr/bin/env bash
# What surrounds a ticket: attachments (safe download, internal ones hidden, limits,
# content-addressed), canned responses, articles from resolutions and deflection,
# related and merged tickets, and approved fixes run by a real agent whose output
# comes back as an internal note (also the diagnostics snapshot on escalation).
. "$(dirname "$0")/lib.sh"
SRC=${WARD_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}

D=$(new_data)
for u in erin:employee eve:employee sam:support; do
	printf '%s password\n' "${u%%:*}" >"$TMP/${u%%:*}.pw"
	"$WARD" --data "$D" user add "${u%%:*}" --role "${u#*:}" --password-file "$TMP/${u%%:*}.pw" >/dev/null
done
tok() { "$WARD" --data "$D" token create "t-$1" --user "$1" | head -1; }
ERIN=$(tok erin) EVE=$(tok eve) SAM=$(tok sam) ADMIN=$(tok admin)
start_ward "$D"
as() { local t=$1; shift; api "$@" -H "Authorization: Bearer $t"; }
asj() { local t=$1; shift; api "$@" -H "Authorization: Bearer $t" -H 'Content-Type: application/json'; }

# An agent on a fixture machine, so tickets can name it.
ROOT=$TMP/root
cp -a "$SRC/tests/fixtures/debian12" "$ROOT"
STATE=$TMP/state
agent() { "$WARD" agent "$@" --state "$STATE"; }
agent enroll --server "$URL" --token "$("$WARD" --data "$D" host enroll-token | head -1)" >/dev/null
expect_exit "agent reports" 0 agent run --once --root "$ROOT"

asj "$ERIN" POST /api/v1/tickets -d '{"title":"Cannot print","description":"The printer queue is stuck."}'
N=$(printf '%s' "$BODY" | jq -r .ticket.number)
asj "$ADMIN" PATCH "/api/v1/tickets/$N" -d '{"host":"db01"}'
expect_eq "the ticket names the machine" "$(printf '%s' "$BODY" | jq -r .ticket.host)" db01

# --- attachments ---
printf '<html><script>alert(1)</script></html>' >"$TMP/evil.html"
as "$ERIN" POST "/api/v1/tickets/$N/attachments?filename=..%2F..%2Fetc%2Fevil.html" -H 'Content-Type: text/html' --data-binary @"$TMP/evil.html"
expect_eq "the requester attaches a file" "$STATUS" 201
A=$(printf '%s' "$BODY" | jq -r .attachment.id)
expect_eq "the name loses its path" "$(printf '%s' "$BODY" | jq -r .attachment.filename)" "evil.html"
sha=$(sha256sum "$TMP/evil.html" | cut -d' ' -f1)
expect_eq "stored under its SHA-256" "$(printf '%s' "$BODY" | jq -r .attachment.sha256)" "$sha"
expect_exit "as a content-addressed file" 0 test -f "$D/blobs/${sha:0:2}/${sha:2:2}/$sha"
curl -s -D "$TMP/h" -o "$TMP/got" -H "Authorization: Bearer $SAM" "$URL/api/v1/tickets/$N/attachments/$A"
expect_eq "downloads the same bytes" "$(sha256sum <"$TMP/got" | cut -d' ' -f1)" "$sha"
expect_match "as an attachment" "$(grep -i '^content-disposition' "$TMP/h")" 'attachment; filename="evil.html"'
expect_match "never sniffed" "$(grep -i '^x-content-type-options' "$TMP/h")" 'nosniff'
expect_match "never rendered as HTML" "$(grep -i '^content-type' "$TMP/h")" 'application/octet-stream'
as "$EVE" GET "/api/v1/tickets/$N/attachments/$A"
expect_eq "another employee gets 404" "$STATUS" 404
printf 'support only' >"$TMP/note.txt"
as "$SAM" POST "/api/v1/tickets/$N/attachments?filename=note.txt&internal=1" --data-binary @"$TMP/note.txt"
I=$(printf '%s' "$BODY" | jq -r .attachment.id)
as "$ERIN" GET "/api/v1/tickets/$N/attachments/$I"
expect_eq "the requester cannot fetch an internal attachment" "$STATUS" 404
as "$ERIN" GET "/api/v1/tickets/$N"
expect_eq "nor sees it listed" "$(printf '%s' "$BODY" | jq -c '[.ticket.attachments[].filename]')" '["evil.html"]'
as "$ERIN" POST "/api/v1/tickets/$N/attachments?filename=x&internal=1" --data-binary @"$TMP/note.txt"
expect_eq "employees cannot add internal attachments" "$STATUS" 403
blobs=$(find "$D/blobs" -type f | wc -l)
head -c $((11 * 1024 * 1024)) /dev/zero >"$TMP/big"
as "$ERIN" POST "/api/v1/tickets/$N/attachments?filename=big" --data-binary @"$TMP/big"
expect_eq "an 11 MiB attachment is refused" "$STATUS" 413
as "$ERIN" POST "/api/v1/tickets/$N/attachments?filename=empty" --data-binary ''
expect_eq "an empty one too" "$STATUS" 400
expect_eq "and nothing was stored for them" "$(find "$D/blobs" -type f | wc -l)" "$blobs"
as "$ERIN" POST "/api/v1/tickets/$N/attachments?filename=again.html" --data-binary @"$TMP/evil.html"
expect_eq "the same bytes twice are one file" "$(find "$D/blobs" -type f | wc -l)" "$blobs"

# --- canned responses ---
asj "$SAM" POST /api/v1/canned -d '{"title":"Restart","body":"Please restart the machine and try again."}'
expect_eq "support adds a canned response" "$STATUS" 201
C=$(printf '%s' "$BODY" | jq -r .canned.id)
asj "$SAM" POST /api/v1/canned -d '{"title":"Restart","body":"again"}'
expect_eq "titles are unique" "$STATUS" 409
as "$ERIN" GET /api/v1/canned
expect_eq "employees cannot see them" "$STATUS" 403
as "$SAM" GET /api/v1/canned
expect_eq "support lists them" "$(printf '%s' "$BODY" | jq -r '.canned[0].title')" Restart
as "$SAM" DELETE "/api/v1/canned/$C"
expect_eq "only admins delete" "$STATUS" 403
as "$ADMIN" DELETE "/api/v1/canned/$C"
expect_eq "admin deletes" "$STATUS" 200
as "$SAM" GET /api/v1/staff
expect_eq "staff for the assignee picker" "$(printf '%s' "$BODY" | jq -c '[.staff[].name]')" '["admin","sam"]'

# --- approved fixes through the job channel ---
asj "$SAM" POST /api/v1/fixes -d '{"name":"clear-print-queue","description":"Empty the queue","command":"echo queue cleared"}'
expect_eq "only admins add fixes" "$STATUS" 403
asj "$ADMIN" POST /api/v1/fixes -d '{"name":"clear-print-queue","description":"Empty the print queue","command":"echo queue cleared; exit 0","timeout_s":30}'
expect_eq "admin adds a vetted fix" "$STATUS" 201
asj "$ADMIN" POST /api/v1/fixes -d '{"name":"Bad Name","description":"x","command":"true"}'
expect_eq "fix names are checked" "$STATUS" 400
asj "$ERIN" POST "/api/v1/tickets/$N/fix" -d '{"fix":"clear-print-queue"}'
expect_eq "employees cannot run fixes" "$STATUS" 403
asj "$SAM" POST "/api/v1/tickets/$N/fix" -d '{"fix":"rm-rf"}'
expect_eq "only approved fixes run" "$STATUS" 404
asj "$SAM" POST "/api/v1/tickets/$N/fix" -d '{"fix":"clear-print-queue"}'
expect_eq "first-level support runs the fix" "$STATUS" 201
J=$(printf '%s' "$BODY" | jq -r .job)
expect_exit "the agent runs it" 0 agent run --once --root "$ROOT"
as "$SAM" GET "/api/v1/tickets/$N"
expect_match "its output lands in the ticket as an internal note" \
	"$(printf '%s' "$BODY" | jq -r "[.ticket.timeline[] | select(.kind == \"note\" and .public == false and .data.job == $J)][0].body")" 'queue cleared'
as "$ERIN" GET "/api/v1/tickets/$N"
expect_eq "which the requester does not see" "$(printf '%s' "$BODY" | jq '[.ticket.timeline[] | select(.kind == "note")] | length')" 0

# Escalation queues diagnostics of the machine; the snapshot comes back as a note.
asj "$SAM" PATCH "/api/v1/tickets/$N" -d '{"tier":2,"note":"Queue keeps filling up"}'
DJ=$(printf '%s' "$BODY" | jq -r '[.ticket.timeline[] | select(.kind == "escalate")][0].data.diagnostics_job')
expect_match "escalation queued diagnostics" "$DJ" '^[0-9]+$'
agent run --once --root "$ROOT" >/dev/null 2>&1
as "$ADMIN" GET "/api/v1/tickets/$N"
expect_match "the snapshot is in the ticket for the generalist" \
	"$(printf '%s' "$BODY" | jq -r "[.ticket.timeline[] | select(.data.job == $DJ)][0].body")" 'diagnostics \(job [0-9]+\) done'

# --- an article from the resolution; deflection ---
asj "$ADMIN" PATCH "/api/v1/tickets/$N" -d '{"status":"resolved","resolution":"Clear the queue with the approved fix, then restart CUPS."}'
asj "$ADMIN" POST "/api/v1/tickets/$N/article" -d '{"title":"Print queue stuck","category":"printing"}'
expect_eq "the resolution becomes an article" "$STATUS" 201
ART=$(printf '%s' "$BODY" | jq -r .article.id)
as "$ERIN" GET "/api/v1/kb/articles/$ART"
expect_eq "which helped once" "$(printf '%s' "$BODY" | jq -c '[.article.title, .article.helped]')" '["Print queue stuck",1]'
as "$ERIN" GET '/api/v1/search?q=queue'
expect_eq "one search finds the article and her ticket" "$(printf '%s' "$BODY" | jq -c '[[.articles[].title], [.results[].number] | unique]')" "[[\"Print queue stuck\"],[$N]]"
asj "$ERIN" POST /api/v1/tickets -d '{"title":"Printer stuck again","description":"Same as before."}'
N2=$(printf '%s' "$BODY" | jq -r .ticket.number)
asj "$ERIN" PATCH "/api/v1/tickets/$N2" -d "{\"status\":\"closed\",\"deflected_by\":$ART}"
expect_eq "the requester closes it because the article helped" "$(printf '%s' "$BODY" | jq -c '[.ticket.status, .ticket.deflected_by]')" "[\"closed\",$ART]"
as "$ERIN" GET "/api/v1/kb/articles/$ART"
expect_eq "counted as deflected" "$(printf '%s' "$BODY" | jq -r .article.deflected)" 1
asj "$SAM" POST /api/v1/tickets -d '{"title":"Toner","description":"Low toner","requester":"erin"}'
N3=$(printf '%s' "$BODY" | jq -r .ticket.number)
asj "$SAM" PATCH "/api/v1/tickets/$N3" -d "{\"status\":\"resolved\",\"resolution\":\"Replaced\",\"article\":$ART}"
expect_eq "support resolves citing it" "$(printf '%s' "$BODY" | jq -r .ticket.article)" "$ART"
as "$SAM" GET "/api/v1/kb/articles/$ART"
expect_eq "helped twice now" "$(printf '%s' "$BODY" | jq -r .article.helped)" 2
asj "$SAM" PATCH "/api/v1/tickets/$N3" -d '{"status":"closed","deflected_by":1}'
expect_eq "only the requester records a deflection" "$STATUS" 400

# --- related and merged tickets ---
asj "$EVE" POST /api/v1/tickets -d '{"title":"Printer 2nd floor","description":"Queue stuck"}'
N4=$(printf '%s' "$BODY" | jq -r .ticket.number)
asj "$EVE" POST /api/v1/tickets -d '{"title":"Printer 2nd floor (again)","description":"Queue stuck"}'
N5=$(printf '%s' "$BODY" | jq -r .ticket.number)
asj "$SAM" POST "/api/v1/tickets/$N4/links" -d "{\"ticket\":$N}"
expect_eq "linked both ways" "$(printf '%s' "$BODY" | jq -c '[.ticket.links[].number]')" "[$N]"
asj "$EVE" POST "/api/v1/tickets/$N4/links" -d "{\"ticket\":$N}"
expect_eq "employees cannot link" "$STATUS" 403
asj "$SAM" POST "/api/v1/tickets/$N5/merge" -d "{\"into\":$N4}"
expect_eq "a duplicate is merged" "$STATUS" 200
as "$EVE" GET "/api/v1/tickets/$N5"
expect_eq "closed and pointing at the original" "$(printf '%s' "$BODY" | jq -c '[.ticket.status, .ticket.merged_into]')" "[\"closed\",$N4]"
as "$EVE" GET "/api/v1/tickets/$N4"
expect_match "the original says so" "$(printf '%s' "$BODY" | jq -r '[.ticket.timeline[] | select(.kind == "merge")][0].body')" "#$N5 was merged"
asj "$SAM" POST "/api/v1/tickets/$N4/merge" -d "{\"into\":$N4}"
expect_eq "not into itself" "$STATUS" 400

finish
