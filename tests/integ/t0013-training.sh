#!/usr/bin/env bash
# Training over HTTP as admin, support and employees, and the CLI on the same data:
# courses of knowledge-base articles with a quiz the server scores, assignment to a
# user, a role and the users of a program (owners of enrolled machines whose inventory
# has the package), change notes, overdue lists and progress, admin completion,
# reminders recorded without a mail server, the documented errors, and bad input
# changing nothing.
. "$(dirname "$0")/lib.sh"
SRC=${WARD_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}

D=$(new_data)
# Erin and Sam have e-mail addresses, Eve has none.
for u in erin:employee:erin@example.com eve:employee: sam:support:sam@example.com; do
	IFS=: read -r name role email <<<"$u"
	printf '%s password\n' "$name" >"$TMP/$name.pw"
	"$WARD" --data "$D" user add "$name" --role "$role" ${email:+--email "$email"} --password-file "$TMP/$name.pw" >/dev/null
done
tok() { "$WARD" --data "$D" token create "t-$1" --user "$1" | head -1; }
ADMIN=$(tok admin) SAM=$(tok sam) ERIN=$(tok erin) EVE=$(tok eve)
printf 'Save your work on the **share**, never on the desktop.\n' >"$TMP/a1.md"
printf 'Connect the VPN before you open the intranet.\n' >"$TMP/a2.md"
printf 'Reset the directory password in the console.\n' >"$TMP/a3.md"
A1=$("$WARD" --data "$D" --json kb add --title 'Where files go' --category Howto --file "$TMP/a1.md" | jq -r .id)
A2=$("$WARD" --data "$D" --json kb add --title 'Working from home' --category Howto --file "$TMP/a2.md" | jq -r .id)
A3=$("$WARD" --data "$D" --json kb add --title 'Directory resets' --category Internal --visibility support --file "$TMP/a3.md" | jq -r .id)
start_ward "$D"
as() { local t=$1; shift; api "$@" -H "Authorization: Bearer $t" -H 'Content-Type: application/json'; }
j() { printf '%s' "$BODY" | jq -r "$1"; }
jc() { printf '%s' "$BODY" | jq -cS "$1"; }
count() { sqlite3 "$D/ward.db" "SELECT count(*) FROM $1"; }
log_count() { count activity; }
is_error() { printf '%s' "$BODY" | jq -e 'has("error") and (.error | type == "string") and (keys | length == 1)' >/dev/null; }
expect_error() {
	expect_eq "$1: status" "$STATUS" "$2"
	if is_error; then pass "$1: body is {\"error\": ...}"; else fail "$1: body is not an error object: $BODY"; fi
	expect_match "$1: message" "$(j .error)" "$3"
}
QUIZ='[{"text":"Where do files go?","options":["Desktop","The share","A USB stick"],"correct":1},
       {"text":"Which are safe at home?","options":["VPN","Open Wi-Fi","Tethering"],"correct":[0,2]}]'

# --- the fleet: two machines report their inventories; their owners are the users of
# what is installed on them ---
cp -a "$SRC/tests/fixtures/debian12" "$TMP/root1"
cp -a "$SRC/tests/fixtures/ubuntu2204" "$TMP/root2"
for i in 1 2; do
	etok=$("$WARD" --data "$D" host enroll-token --uses 1 | head -1)
	"$WARD" agent enroll --server "$URL" --token "$etok" --state "$TMP/state$i" >/dev/null 2>&1 || fail "enroll $i"
	"$WARD" agent run --once --root "$TMP/root$i" --state "$TMP/state$i" >/dev/null 2>&1 || fail "report $i"
done
expect_exit "db01 belongs to erin" 0 "$WARD" --data "$D" host set db01 --owner erin
expect_exit "the ThinkPad belongs to eve" 0 "$WARD" --data "$D" host set alice-ThinkPad-T470 --owner eve

# --- courses: admins write them ---
as "$ADMIN" POST /api/v1/courses -d "$(jq -n --argjson l "[$A1, $A2]" --argjson q "$QUIZ" \
	'{title: "Files and home working", description: "Start here.", lessons: $l, quiz: $q, pass_mark: 100}')"
expect_eq "admin creates a course" "$STATUS" 201
C1=$(j .course.id)
expect_eq "lessons in order, with titles" "$(j '[.course.lessons[] | "\(.n):\(.title)"] | join(",")')" "1:Where files go,2:Working from home"
expect_eq "admins see the answers" "$(jc '[.course.quiz[].correct]')" '[[1],[0,2]]'
expect_eq "and the progress" "$(jc '.course.progress')" '{"assigned":0,"average_score":null,"completed":0,"open":0,"overdue":0}'
for who in SAM ERIN; do
	as "${!who}" POST /api/v1/courses -d '{"title":"Mine","lessons":[1]}'
	expect_error "$who cannot create a course" 403 'needs the admin role'
done

# Bad courses are refused and write nothing.
before=$(count training_courses)/$(count training_lessons)/$(log_count "$D")
as "$ADMIN" POST /api/v1/courses -d '{"lessons":[1]}'
expect_error "no title" 400 "title"
as "$ADMIN" POST /api/v1/courses -d '{"title":"x","lessons":[1],"owner":"me"}'
expect_error "unknown field" 400 "owner"
as "$ADMIN" POST /api/v1/courses -d '{"title":"x","lessons":[999]}'
expect_error "missing article" 400 "lesson 1: article 999 does not exist"
as "$ADMIN" POST /api/v1/courses -d "{\"title\":\"x\",\"lessons\":[$A3]}"
expect_error "support-only article" 400 "for support staff only"
as "$ADMIN" POST /api/v1/courses -d '{"title":"x","lessons":"1"}'
expect_error "lessons not an array" 400 "lessons"
as "$ADMIN" POST /api/v1/courses -d '{"title":"x"}'
expect_error "neither lessons nor quiz" 400 "at least one lesson or a quiz"
as "$ADMIN" POST /api/v1/courses -d '{"title":"x","quiz":[{"text":"q","options":["a"],"correct":0}]}'
expect_error "one option" 400 "question 1: options must be an array of 2 to 8"
as "$ADMIN" POST /api/v1/courses -d '{"title":"x","quiz":[{"text":"q","options":["a","b"],"correct":[]}]}'
expect_error "nothing correct" 400 "at least one option must be correct"
as "$ADMIN" POST /api/v1/courses -d '{"title":"x","lessons":[1],"pass_mark":0}'
expect_error "pass mark 0" 400 "pass_mark"
as "$ADMIN" POST /api/v1/courses -d "{\"title\":\"$(head -c 201 /dev/zero | tr '\0' a)\",\"lessons\":[1]}"
expect_error "title too long" 400 "longer than 200 characters"
as "$ADMIN" POST /api/v1/courses -d "$(jq -n '{title: "x", lessons: [range(1; 52)]}')"
expect_error "too many lessons" 400 "at most 50"
as "$ADMIN" POST /api/v1/courses -d '{"title":"x"'
expect_error "malformed JSON" 400 "."
expect_eq "nothing was written" "$(count training_courses)/$(count training_lessons)/$(log_count "$D")" "$before"

# --- assignments ---
as "$ERIN" GET /api/v1/courses
expect_eq "nothing assigned yet: an empty list" "$(j '.courses | length')" 0
as "$ERIN" GET "/api/v1/courses/$C1"
expect_error "an unassigned course does not exist for her" 404 "course $C1 does not exist"
as "$ADMIN" POST "/api/v1/courses/$C1/assign" -d '{"user":"erin","due":"14d"}'
expect_eq "assigned to erin" "$STATUS $(jc .assigned)" '200 ["erin"]'
as "$ADMIN" POST "/api/v1/courses/$C1/assign" -d '{"role":"employee","due":"7d"}'
expect_eq "to the employees: eve is new, erin keeps hers" "$(jc '[.assigned, .already]')" '[["eve"],["erin"]]'
as "$SAM" POST "/api/v1/courses/$C1/assign" -d '{"user":"sam"}'
expect_error "support cannot assign" 403 'needs the admin role'
as "$ADMIN" POST "/api/v1/courses/$C1/assign" -d '{"user":"erin","role":"employee"}'
expect_error "two targets" 400 "exactly one of"
as "$ADMIN" POST "/api/v1/courses/$C1/assign" -d '{"user":"erin","due":"yesterday"}'
expect_error "bad due date" 400 "due date 'yesterday' is not valid"
as "$ADMIN" POST "/api/v1/courses/$C1/assign" -d '{"user":"erin","due":"2001-01-01"}'
expect_error "due date in the past" 400 "not in the future"
as "$ADMIN" POST "/api/v1/courses/$C1/assign" -d '{"user":"zed"}'
expect_error "unknown user" 400 "user 'zed' does not exist"
as "$ADMIN" POST "/api/v1/courses/$C1/assign" -d '{"role":"boss"}'
expect_error "unknown role" 400 "boss"
as "$ADMIN" POST /api/v1/courses/999/assign -d '{"user":"erin"}'
expect_error "unknown course" 404 "course 999 does not exist"
as "$ADMIN" POST /api/v1/courses/abc/assign -d '{"user":"erin"}'
expect_error "not a course id" 404 "does not exist"

# --- taking it: erin sees the quiz without the answers ---
as "$ERIN" GET /api/v1/courses
expect_eq "her list" "$(jc '[.courses[] | [.id, .assignment.status]]')" "[[$C1,\"assigned\"]]"
expect_eq "no progress for employees" "$(j '.courses[0] | has("progress")')" false
as "$ERIN" GET "/api/v1/courses/$C1"
expect_eq "no correct answers for her" "$(j '[.course.quiz[] | has("correct")] | any')" false
expect_eq "but which questions take several" "$(jc '[.course.quiz[].multiple]')" '[false,true]'
as "$ERIN" GET /api/v1/training/me
expect_eq "my assignments" "$(jc '[.assignments[] | [.course_id, .status, .via, .lessons, .lessons_read]]')" "[[$C1,\"assigned\",\"user\",2,0]]"
as "$ERIN" POST "/api/v1/courses/$C1/quiz" -d '{"answers":[1,[0,2]]}'
expect_error "the quiz waits for the lessons" 409 "read every lesson before taking the quiz"
as "$ERIN" POST "/api/v1/courses/$C1/lessons/1/read"
expect_eq "lesson 1 read" "$STATUS $(j .assignment.lessons_read)" "200 1"
as "$ERIN" POST "/api/v1/courses/$C1/lessons/1/read"
expect_eq "reading again changes nothing" "$STATUS $(j .assignment.lessons_read)" "200 1"
as "$ERIN" POST "/api/v1/courses/$C1/lessons/3/read"
expect_error "no lesson 3" 404 "has no lesson 3"
as "$ERIN" POST "/api/v1/courses/$C1/lessons/x/read"
expect_error "lesson not a number" 404 "no lesson"
as "$SAM" POST "/api/v1/courses/$C1/lessons/1/read"
expect_error "not assigned to sam" 404 "not assigned"
as "$ERIN" POST "/api/v1/courses/$C1/lessons/2/read"
expect_eq "both read, still a quiz to pass" "$(jc '[.assignment.lessons_read, .assignment.status]')" '[2,"assigned"]'
as "$ERIN" POST "/api/v1/courses/$C1/quiz" -d '{"answers":[1,[0,2]],"score":100}'
expect_error "a client's score is refused" 400 "score"
as "$ERIN" POST "/api/v1/courses/$C1/quiz" -d '{"answers":[1]}'
expect_error "too few answers" 400 "answers has 1 entries; the quiz has 2 questions"
as "$ERIN" POST "/api/v1/courses/$C1/quiz" -d '{"answers":[1,[0,9]]}'
expect_error "an option out of range" 400 "from 0 to 2"
as "$ERIN" POST "/api/v1/courses/$C1/quiz" -d '{"answers":[1,[0]]}'
expect_eq "half right is not 100" "$(jc '[.score, .passed, .attempts, .attempts_left, .assignment.status]')" '[50,false,1,9,"assigned"]'
as "$ERIN" POST "/api/v1/courses/$C1/quiz" -d '{"answers":[[1],[2,0]]}'
expect_eq "all right passes and completes" "$(jc '[.score, .passed, .attempts, .assignment.status, .assignment.score]')" '[100,true,2,"completed",100]'
as "$ERIN" POST "/api/v1/courses/$C1/quiz" -d '{"answers":[1,[0,2]]}'
expect_error "once complete, no more attempts" 409 "complete already"
expect_eq "attempts recorded as scored" "$(sqlite3 "$D/ward.db" "SELECT group_concat(score || '/' || pass_mark || '/' || passed, ' ') FROM training_attempts")" "50/100/0 100/100/1"

# Editing the course changes no recorded score.
as "$ADMIN" PATCH "/api/v1/courses/$C1" -d '{"pass_mark":50,"quiz":[{"text":"New?","options":["a","b"],"correct":0}]}'
expect_eq "course edited" "$STATUS $(j .course.pass_mark) $(j '.course.quiz | length')" "200 50 1"
as "$ERIN" GET /api/v1/training/me
expect_eq "erin's result stands" "$(jc '[.assignments[0].status, .assignments[0].score, .assignments[0].attempts]')" '["completed",100,2]'
as "$ADMIN" PATCH "/api/v1/courses/$C1" -d '{}'
expect_error "an empty edit" 400 "nothing to change"
as "$ERIN" PATCH "/api/v1/courses/$C1" -d '{"title":"x"}'
expect_error "employees cannot edit" 403 'needs the admin role'

# --- the users of a program ---
as "$ADMIN" POST /api/v1/courses -d "{\"title\":\"Containers\",\"lessons\":[$A1]}"
C2=$(j .course.id)
as "$ADMIN" POST "/api/v1/courses/$C2/assign" -d '{"package":"docker-ce","due":"30d"}'
expect_eq "docker-ce: the ThinkPad's owner" "$(jc .assigned)" '["eve"]'
as "$ADMIN" POST "/api/v1/courses/$C2/assign" -d '{"package":"cron"}'
expect_eq "cron is only configuration on db01: nobody" "$(jc .assigned)" '[]'
as "$ADMIN" POST "/api/v1/courses/$C2/assign" -d '{"package":"curl"}'
expect_eq "curl is on both" "$(jc '[.assigned, .already]')" '[["erin"],["eve"]]'
as "$ADMIN" POST "/api/v1/courses/$C2/assign" -d '{"package":"no such"}'
expect_error "a package name with a space" 400 "package name"

# --- change notes ---
as "$ADMIN" POST /api/v1/training/notices -d "$(jq -n '{package: "openssh-server", title: "SSH: keys only from Monday",
	text: "Password logins end on **Monday**. Add your key first.", due_days: 7}')"
expect_eq "a change note is published" "$STATUS $(jc .assigned)" '201 ["eve"]'
N=$(j .course_id)
NA=$(j .article_id)
expect_eq "as a one-lesson course of kind notice" "$(jc '[.course.kind, .course.package, (.course.lessons | length), .course.quiz]')" '["notice","openssh-server",1,null]'
as "$EVE" GET "/api/v1/kb/articles/$NA"
expect_eq "its article is in the knowledge base" "$STATUS $(j .article.category)" "200 What changed"
as "$EVE" POST "/api/v1/courses/$N/lessons/1/read"
expect_eq "reading the note completes it" "$(j .assignment.status)" completed
as "$SAM" POST /api/v1/training/notices -d '{"package":"curl","title":"x","text":"y","due_days":7}'
expect_error "support cannot publish notes" 403 'needs the admin role'
before=$(count training_courses)/$(count kb_articles)/$(log_count "$D")
as "$ADMIN" POST /api/v1/training/notices -d '{"package":"curl","title":"x","text":"y","due_days":0}'
expect_error "due in 0 days" 400 "due_days"
as "$ADMIN" POST /api/v1/training/notices -d '{"package":"curl","title":"x","text":"   ","due_days":3}'
expect_error "an empty note" 400 "body is empty"
as "$ADMIN" POST /api/v1/training/notices --data-binary @<(printf '{"package":"curl","title":"x","due_days":3,"text":"'; head -c 300000 /dev/zero | tr '\0' a; printf '"}')
expect_error "a note over 256 KiB" 413 "larger than"
expect_eq "refused notes leave nothing, not even an article" "$(count training_courses)/$(count kb_articles)/$(log_count "$D")" "$before"

# --- overdue and progress ---
sqlite3 "$D/ward.db" "UPDATE training_assignments SET due_at = strftime('%s','now') - 60 WHERE course_id = $C1 AND user_name = 'eve'"
as "$ADMIN" GET '/api/v1/training/assignments?status=overdue'
expect_eq "eve is overdue on course 1" "$(jc '[.assignments[] | [.course_id, .user, .status]]')" "[[$C1,\"eve\",\"overdue\"]]"
as "$ADMIN" GET "/api/v1/training/assignments?course=$C2&limit=1"
expect_eq "a page of one" "$(j '.assignments | length') $(j '.next_after != null')" "1 true"
as "$ADMIN" GET "/api/v1/training/assignments?course=$C2&after=$(j .next_after)"
expect_eq "the rest" "$(j '.assignments | length') $(j .next_after)" "1 null"
as "$ADMIN" GET '/api/v1/training/assignments?status=late'
expect_error "unknown status" 400 "status 'late' is not valid"
as "$ADMIN" GET '/api/v1/training/assignments?limit=0'
expect_error "limit 0" 400 "limit"
as "$ERIN" GET '/api/v1/training/assignments?status=overdue'
expect_error "the list is for admins" 403 'needs the admin role'
as "$ADMIN" GET "/api/v1/courses/$C1"
expect_eq "course 1 progress" "$(jc '.course.progress | .average_score |= (. == 100)')" '{"assigned":2,"average_score":true,"completed":1,"open":0,"overdue":1}'
as "$EVE" GET /api/v1/training/me
expect_eq "eve sees it overdue" "$(jc "[.assignments[] | select(.course_id == $C1) | .status]")" '["overdue"]'

# --- the CLI on the same data ---
expect_exit "course list" 0 "$WARD" --data "$D" course list
expect_match "lists the courses" "$OUT" 'Files and home working'
expect_eq "course list --json" "$("$WARD" --data "$D" --json course list | jq -c '[.[].kind]')" '["course","course","notice"]'
expect_exit "course status --overdue" 0 "$WARD" --data "$D" course status --overdue
expect_match "shows eve" "$OUT" "eve +overdue"
expect_eq "course status --json" "$("$WARD" --data "$D" --json course status | jq -c "[.[] | select(.id == $C1) | .overdue]")" '[1]'
expect_exit "course status ID" 0 "$WARD" --data "$D" course status "$C1"
expect_match "with who has it" "$OUT" "erin +completed"
expect_exit "complete for eve" 0 "$WARD" --data "$D" course complete "$C1" --user eve
expect_eq "recorded as an override" "$("$WARD" --data "$D" --json course status "$C1" | jq -c '[.assignments[] | select(.user == "eve") | [.status, .override, .completed_by]][0]')" \
	"[\"completed\",true,\"local:$(id -un)\"]"
expect_exit "complete twice" 1 "$WARD" --data "$D" course complete "$C1" --user eve
expect_match "says so" "$ERR" "complete for 'eve' already"
expect_exit "nothing overdue now" 0 "$WARD" --data "$D" course status --overdue
expect_match "says so" "$OUT" "nothing is overdue"
expect_exit "complete needs --user" 2 "$WARD" --data "$D" course complete "$C1"

cat >"$TMP/quiz.json" <<'EOF'
[{"text": "Who may reset a password?", "options": ["Anyone", "Support"], "correct": 1}]
EOF
expect_exit "course add with a slug lesson and a quiz file" 0 "$WARD" --data "$D" --json course add --title 'Passwords' \
	--lesson working-from-home --quiz "$TMP/quiz.json" --pass 100
C3=$(printf '%s' "$OUT" | jq -r .id)
expect_eq "as written" "$(printf '%s' "$OUT" | jq -c '[.lessons[0].article_id, .questions, .pass_mark]')" "[$A2,1,100]"
printf '[{"text": "q", "options": ["a"], "correct": 0}]' >"$TMP/bad.json"
expect_exit "a bad quiz file" 1 "$WARD" --data "$D" course add --title x --quiz "$TMP/bad.json"
expect_match "names the problem" "$ERR" 'question 1: options'
printf '[{"text": ' >"$TMP/broken.json"
expect_exit "a broken quiz file" 1 "$WARD" --data "$D" course add --title x --quiz "$TMP/broken.json"
expect_match "with the line" "$ERR" 'broken.json.* line 1'
expect_exit "an unknown lesson" 1 "$WARD" --data "$D" course add --title x --lesson no-such-article
expect_exit "no title" 2 "$WARD" --data "$D" course add --lesson 1
expect_exit "assign to the support role" 0 "$WARD" --data "$D" course assign "$C3" --role support --due 3d
expect_match "reaches sam" "$OUT" 'assigned to 1 user: sam'
expect_exit "assign with a bad --due" 2 "$WARD" --data "$D" course assign "$C3" --user erin --due never
expect_exit "assign to nobody" 2 "$WARD" --data "$D" course assign "$C3"
expect_exit "edit" 0 "$WARD" --data "$D" course edit "$C3" --title 'Passwords and resets'
expect_exit "edit with nothing" 2 "$WARD" --data "$D" course edit "$C3"
printf 'curl now follows redirects by default.\n' >"$TMP/note.md"
expect_exit "course notice" 0 "$WARD" --data "$D" course notice --package curl --title 'curl follows redirects' --file "$TMP/note.md" --due 3d
expect_match "reaches curl's users" "$OUT" 'assigned to 2 users: erin, eve'
expect_exit "notice without a file" 2 "$WARD" --data "$D" course notice --package curl --title x
# Sam is due within two days in a day's time: the reminder is recorded, unsent.
sqlite3 "$D/ward.db" "UPDATE training_assignments SET due_at = strftime('%s','now') + 3600 WHERE course_id = $C3"
expect_exit "course remind" 0 "$WARD" --data "$D" --json course remind
expect_eq "recorded unsent" "$(printf '%s' "$OUT" | jq -c '[.sent, .unsent, .failed]')" '[0,1,0]'
expect_eq "with why" "$(sqlite3 "$D/ward.db" "SELECT status || ': ' || reason FROM training_reminders")" "unsent: no mail server is configured"
expect_exit "not twice in a day" 0 "$WARD" --data "$D" --json course remind
expect_eq "nothing new" "$(printf '%s' "$OUT" | jq -c '[.sent, .unsent, .failed]')" '[0,0,0]'

# A new support user is assigned the course by the role rule the next time they look.
printf 'sue password\n' >"$TMP/sue.pw"
"$WARD" --data "$D" user add sue --role support --password-file "$TMP/sue.pw" >/dev/null
SUE=$(tok sue)
as "$SUE" GET /api/v1/training/me
expect_eq "sue has the support course" "$(jc '[.assignments[] | [.course_id, .via, .assigned_by]]')" "[[$C3,\"role:support\",\"system\"]]"

# --- the activity log holds every change, and is intact ---
for a in course_create course_edit assign rule read attempt complete notice remind; do
	n=$("$WARD" --data "$D" --json log list --action "training.$a" --limit 500 | jq length)
	[ "$n" -gt 0 ] && pass "training.$a logged ($n)" || fail "no training.$a in the activity log"
done
expect_eq "every assignment logged once" "$("$WARD" --data "$D" --json log list --action training.assign --limit 500 | jq length)" "$(count training_assignments)"
expect_eq "every attempt logged once" "$("$WARD" --data "$D" --json log list --action training.attempt --limit 500 | jq length)" "$(count training_attempts)"
expect_exit "log verify" 0 "$WARD" --data "$D" log verify

finish
