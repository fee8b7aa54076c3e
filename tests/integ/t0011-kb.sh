#!/usr/bin/env bash
# The knowledge base over HTTP as admin, support and employee: articles, revisions,
# keyset pages, search (ranking, prefixes, hostile syntax), suggestions, visibility,
# safe Markdown, the documented errors, and the CLI on the same data.
. "$(dirname "$0")/lib.sh"

D=$(new_data)
printf 'employee password\n' >"$TMP/emp.pw"
printf 'support password\n' >"$TMP/sup.pw"
"$WARD" --data "$D" user add erin --role employee --password-file "$TMP/emp.pw" >/dev/null
"$WARD" --data "$D" user add sam --role support --password-file "$TMP/sup.pw" >/dev/null
atok=$("$WARD" --data "$D" token create admin-script --user admin | head -1)
stok=$("$WARD" --data "$D" token create sam-script --user sam | head -1)
etok=$("$WARD" --data "$D" token create erin-script --user erin | head -1)
start_ward "$D"
A=(-H "Authorization: Bearer $atok")
S=(-H "Authorization: Bearer $stok")
E=(-H "Authorization: Bearer $etok")
j() { printf '%s' "$BODY" | jq -r "$1"; }
is_error() { printf '%s' "$BODY" | jq -e 'has("error") and (.error | type == "string") and (keys | length == 1)' >/dev/null; }
expect_error() {
	expect_eq "$1: status" "$STATUS" "$2"
	if is_error; then pass "$1: body is {\"error\": ...}"; else fail "$1: body is not an error object: $BODY"; fi
	expect_match "$1: message" "$(j .error)" "$3"
}
# article TITLE BODY CATEGORY [VISIBILITY]: the JSON of a new article
article() {
	jq -n --arg t "$1" --arg b "$2" --arg c "$3" --arg v "${4:-employees}" \
		'{title: $t, body: $b, category: $c, visibility: $v}'
}

# Create: support and admin may, employees may not.
api POST /api/v1/kb/articles "${S[@]}" -d "$(article 'Printer offline' \
	$'# Fix\n\nRestart the **spooler**.\n\n<script>alert(1)</script> [x](javascript:alert(1))' Printing)"
expect_eq "support creates an article" "$STATUS" 201
expect_eq "slug, revision, author" "$(j '[.article.slug, .article.revision, .article.author] | join(" ")')" \
	"printer-offline 1 sam"
expect_match "Markdown rendered" "$(j .article.html)" '<h1>Fix</h1>'
expect_eq "no script, no javascript: link" "$(j '.article.html | test("<script|javascript:"; "i")')" false
expect_match "the Markdown kept as written" "$(j .article.body)" '<script>alert\(1\)</script>'
api POST /api/v1/kb/articles "${A[@]}" -d "$(article 'Reset a password in the directory' \
	'Use the admin console to reset a password.' Accounts support)"
expect_eq "admin creates a support-only article" "$STATUS $(j .article.visibility)" "201 support"
api POST /api/v1/kb/articles "${E[@]}" -d "$(article 'Mine' 'x' Misc)"
expect_error "employee cannot create" 403 'needs the support role'
api POST /api/v1/kb/articles "${S[@]}" -d "$(article 'Printer offline' 'Check the cable first.' Printing)"
expect_eq "same title: a new slug" "$(j .article.slug)" printer-offline-2
api POST /api/v1/kb/articles "${S[@]}" -d "$(article 'Reset your password' \
	'Open the self-service portal and choose *Forgot password*.' Accounts)"
pub=$(j .article.id)

# Show: by id or slug; a support-only article does not exist for employees.
api GET /api/v1/kb/articles/printer-offline "${E[@]}"
expect_eq "employee reads by slug" "$STATUS $(j .article.id)" "200 1"
api GET /api/v1/kb/articles/1 "${E[@]}"
expect_eq "employee reads by id" "$STATUS $(j .article.slug)" "200 printer-offline"
api GET /api/v1/kb/articles/2 "${E[@]}"
expect_error "support-only by id: 404 for employees" 404 "article '2' does not exist"
missing=$(j .error)
api GET /api/v1/kb/articles/reset-a-password-in-the-directory "${E[@]}"
expect_error "support-only by slug: 404 for employees" 404 'does not exist'
api GET /api/v1/kb/articles/99 "${E[@]}"
expect_eq "as a missing one" "$(j .error)" "${missing/2/99}"
api GET /api/v1/kb/articles/2 "${S[@]}"
expect_eq "support reads it" "$STATUS $(j .article.title)" "200 Reset a password in the directory"

# Lists: employees see only what is for employees; keyset pages, never offsets.
api GET /api/v1/kb/articles "${E[@]}"
expect_eq "employee list" "$(j '[.articles[].id] | join(",")')" "1,3,4"
api GET /api/v1/kb/articles "${S[@]}"
expect_eq "support list" "$(j '[.articles[].id] | join(",")')" "1,2,3,4"
expect_eq "summaries carry no body" "$(j '.articles[0] | has("body") or has("html")')" false
api GET "/api/v1/kb/articles?limit=2" "${S[@]}"
expect_eq "first page" "$(j '[.articles[].id] | join(",")') $(j .next_after)" "1,2 2"
api GET "/api/v1/kb/articles?limit=2&after=2" "${S[@]}"
expect_eq "last page" "$(j '[.articles[].id] | join(",")') $(j .next_after)" "3,4 null"
api GET "/api/v1/kb/articles?category=accounts" "${E[@]}"
expect_eq "by category" "$(j '[.articles[].id] | join(",")')" "4"
api GET "/api/v1/kb/articles?limit=0" "${E[@]}"
expect_error "limit 0" 400 'limit must be'
api GET "/api/v1/kb/articles?after=abc" "${E[@]}"
expect_error "after not a number" 400 'after must be'

# Edit: support+, a revision each time, conflicts on a stale base revision.
before_log=$(log_count "$D")
api PATCH /api/v1/kb/articles/1 "${S[@]}" -d '{"title": "Printer shows offline", "base_revision": 1}'
expect_eq "support edits" "$STATUS $(j .article.revision) $(j .article.slug)" "200 2 printer-offline"
api PATCH /api/v1/kb/articles/printer-offline "${A[@]}" -d '{"body": "Restart the spooler service, then print a test page."}'
expect_eq "admin edits by slug" "$STATUS $(j .article.revision)" "200 3"
api PATCH /api/v1/kb/articles/1 "${S[@]}" -d '{"title": "Stale", "base_revision": 2}'
expect_error "stale base revision" 409 'revision 3'
api PATCH /api/v1/kb/articles/1 "${E[@]}" -d '{"title": "Mine now"}'
expect_error "employee cannot edit" 403 'needs the support role'
api PATCH /api/v1/kb/articles/1 "${S[@]}" -d '{}'
expect_error "empty edit" 400 'nothing to change'
api PATCH /api/v1/kb/articles/1 "${S[@]}" -d '{"slug": "x"}'
expect_error "unknown field" 400 "slug"
api PATCH /api/v1/kb/articles/1 "${S[@]}" -d '{"visibility": "public"}'
expect_error "bad visibility" 400 'visibility'
api PATCH /api/v1/kb/articles/77 "${S[@]}" -d '{"title": "x"}'
expect_error "edit a missing article" 404 'does not exist'
expect_eq "two edits logged, refusals not" "$(log_count "$D")" "$((before_log + 2))"
api GET /api/v1/kb/articles/1/revisions "${S[@]}"
expect_eq "revisions newest first" "$(j '[.revisions[] | "\(.revision):\(.author)"] | join(",")')" "3:admin,2:sam,1:sam"
expect_eq "each with its title and body" "$(j '.revisions[2].title')" "Printer offline"
api GET "/api/v1/kb/articles/1/revisions?limit=1&before=3" "${S[@]}"
expect_eq "revisions paged" "$(j '[.revisions[].revision] | join(",")') $(j .next_before)" "2 2"
api GET /api/v1/kb/articles/1/revisions "${E[@]}"
expect_error "employees do not see revisions" 403 'needs the support role'

# Search: bm25 with titles first, prefixes, snippets; visibility; hostile syntax.
api POST /api/v1/kb/articles "${S[@]}" -d "$(article 'Slow printing' \
	'The print spooler queue is full: clear the spooler queue, then restart the spooler.' Printing)"
api POST /api/v1/kb/articles "${S[@]}" -d "$(article 'Spooler crashes' 'Reinstall the driver.' Printing)"
api GET /api/v1/kb/search "${E[@]}" -G --data-urlencode 'q=spooler'
expect_eq "title match ranks first" "$STATUS $(j '.articles[0].title')" "200 Spooler crashes"
expect_match "snippet marks the match" "$(j '.articles[1].snippet_html')" '<mark>spooler</mark>'
api GET /api/v1/kb/search "${E[@]}" -G --data-urlencode 'q=spoo*'
expect_eq "prefix search" "$(j '.articles | length')" 3
api GET /api/v1/kb/search "${E[@]}" -G --data-urlencode 'q=spoo'
expect_eq "no prefix without *" "$(j '.articles | length')" 0
api GET /api/v1/kb/search "${E[@]}" -G --data-urlencode 'q=directory'
expect_eq "employees do not find support-only articles" "$(j '.articles | length')" 0
api GET /api/v1/kb/search "${S[@]}" -G --data-urlencode 'q=directory'
expect_eq "support does" "$(j '[.articles[].id] | join(",")')" 2
for q in '"' 'NEAR(' 'a OR' '-x' 'col:val' 'title:spooler' '((' '*' 'spooler" OR "x' "'; DROP TABLE kb_articles; --"; do
	api GET /api/v1/kb/search "${E[@]}" -G --data-urlencode "q=$q"
	expect_eq "hostile query [$q] is just text" "$STATUS $(j '.articles | type')" "200 array"
done
api GET /api/v1/kb/search "${E[@]}"
expect_error "search without q" 400 "'q' is required"
api GET /api/v1/kb/search "${E[@]}" -G --data-urlencode "q=$(printf 'a%.0s' $(seq 300))"
expect_error "query too long" 400 'longer than 256 bytes'
api GET "/api/v1/kb/search?q=x&limit=51" "${E[@]}"
expect_error "search limit" 400 'limit must be'

# Suggestions for a ticket being written.
api GET /api/v1/kb/suggest "${E[@]}" -G --data-urlencode \
	'q=Hi, since this morning the printer shows offline and nothing prints. Please help!'
expect_eq "suggests the printer article first" "$STATUS $(j '.articles[0].slug')" "200 printer-offline"
api GET /api/v1/kb/suggest "${E[@]}" -G --data-urlencode 'q=how do I reset my password in the directory'
expect_eq "suggestions respect visibility" "$(j '[.articles[].id] | index(2)')" null
expect_eq "and find the public one" "$(j '[.articles[].id] | index('"$pub"') != null')" true
api GET /api/v1/kb/suggest "${E[@]}" -G --data-urlencode 'q=please help'
expect_eq "nothing significant, nothing suggested" "$STATUS $(j '.articles | length')" "200 0"

# Limits: 400 for fields, 413 for a body over 256 KiB and for a request over 1 MiB.
before_log=$(log_count "$D")
api POST /api/v1/kb/articles "${S[@]}" -d "$(article "$(printf 't%.0s' $(seq 201))" 'x' Misc)"
expect_error "title over 200 characters" 400 'title is longer than 200 characters'
api POST /api/v1/kb/articles "${S[@]}" -d "$(article 'x' 'x' "$(printf 'c%.0s' $(seq 65))")"
expect_error "category over 64 characters" 400 'category is longer than 64 characters'
api POST /api/v1/kb/articles "${S[@]}" -d '{"title": "x", "category": "y"}'
expect_error "body missing" 400 "'body' is required"
head -c 270000 /dev/zero | tr '\0' x >"$TMP/big.md"
jq -n --rawfile b "$TMP/big.md" '{title: "Big", body: $b, category: "x"}' >"$TMP/big.json"
api POST /api/v1/kb/articles "${S[@]}" --data-binary @"$TMP/big.json"
expect_error "body over 256 KiB" 413 'larger than 262144 bytes'
api PATCH /api/v1/kb/articles/1 "${S[@]}" --data-binary @"$TMP/big.json"
expect_error "edit with a body over 256 KiB" 413 'larger than 262144 bytes'
head -c 1200000 /dev/zero | tr '\0' x >"$TMP/huge.md"
jq -n --rawfile b "$TMP/huge.md" '{title: "Huge", body: $b, category: "x"}' >"$TMP/huge.json"
api POST /api/v1/kb/articles "${S[@]}" --data-binary @"$TMP/huge.json"
expect_error "request over 1 MiB" 413 'request body is larger'
expect_eq "errors wrote nothing" "$(log_count "$D")" "$before_log"

# A cookie session: reads without CSRF, writes need it.
login sam 'support password'
api GET /api/v1/kb/articles/1 -b "$TMP/jar-sam"
expect_eq "cookie read" "$STATUS" 200
api PATCH /api/v1/kb/articles/1 -b "$TMP/jar-sam" -d '{"title": "No CSRF"}'
expect_eq "cookie write without CSRF: 403" "$STATUS" 403
api PATCH /api/v1/kb/articles/1 -b "$TMP/jar-sam" -H "X-CSRF-Token: $CSRF" -d '{"category": "Printers"}'
expect_eq "cookie write with CSRF" "$STATUS $(j .article.category) $(j .article.revision)" "200 Printers 4"
api GET /api/v1/kb/articles
expect_eq "no credentials: 401" "$STATUS" 401

# The CLI sees the same articles; the log holds every change and stays intact.
stop_ward
expect_exit "kb show from the CLI" 0 "$WARD" --data "$D" --json kb show printer-offline
expect_eq "same article" "$(printf '%s' "$OUT" | jq -r '[.title, .revision] | join(" ")')" "Printer shows offline 4"
expect_exit "kb search from the CLI" 0 "$WARD" --data "$D" --json kb search 'crash*'
expect_eq "finds it" "$(printf '%s' "$OUT" | jq -r '.[0].slug')" spooler-crashes
printf 'New body from stdin.\n' >"$TMP/new.md"
expect_exit "kb edit from a file" 0 "$WARD" --data "$D" kb edit 3 --file "$TMP/new.md"
expect_match "says the revision" "$OUT" 'revision 2'
expect_exit "kb show of a missing article" 1 "$WARD" --data "$D" kb show nope
expect_eq "creates logged" "$("$WARD" --data "$D" --json log list --action kb.create | jq length)" 6
expect_eq "edits logged" "$("$WARD" --data "$D" --json log list --action kb.edit | jq length)" 4
expect_exit "log intact" 0 "$WARD" --data "$D" log verify
finish
