#!/usr/bin/env bash
# Bad input gets the documented error and changes nothing: malformed JSON, a 50 MB
# body (with and without Content-Length), quote characters and SQL in every field,
# wrong types, unknown fields, and a wrong role.
. "$(dirname "$0")/lib.sh"

D=$(new_data)
printf 'employee password\n' >"$TMP/emp.pw"
"$WARD" --data "$D" user add erin --role employee --password-file "$TMP/emp.pw" >/dev/null
tok=$("$WARD" --data "$D" token create admin-script --user admin | head -1)
etok=$("$WARD" --data "$D" token create erin-script --user erin | head -1)
start_ward "$D"
AUTH=(-H "Authorization: Bearer $tok")

before_log=$(log_count "$D")
before_users=$(users_digest "$D")
unchanged() {
	expect_eq "$1: log unchanged" "$(log_count "$D")" "$before_log"
	expect_eq "$1: users unchanged" "$(users_digest "$D")" "$before_users"
}
is_error() { printf '%s' "$BODY" | jq -e 'has("error") and (.error | type == "string") and (keys | length == 1)' >/dev/null; }
# expect_error DESC STATUS REGEX
expect_error() {
	expect_eq "$1: status" "$STATUS" "$2"
	if is_error; then pass "$1: body is {\"error\": ...}"; else fail "$1: body is not an error object: $BODY"; fi
	expect_match "$1: message" "$(printf '%s' "$BODY" | jq -r .error)" "$3"
}

# Malformed JSON.
api POST /api/v1/users "${AUTH[@]}" -d '{"name": "x", "role": '
expect_error "truncated JSON" 400 'malformed JSON at line 1 column'
api POST /api/v1/users "${AUTH[@]}" -d '{"name": "x",}'
expect_error "trailing comma" 400 'malformed JSON'
api POST /api/v1/users "${AUTH[@]}" -d '["name"]'
expect_error "not an object" 400 'must be a JSON object'
api POST /api/v1/users "${AUTH[@]}"
expect_error "empty body" 400 'empty'
api POST /api/v1/users "${AUTH[@]}" -d '{"name":"a","name":"b"}'
expect_error "duplicate keys" 400 'duplicate'
api POST /api/v1/users "${AUTH[@]}" --data-binary $'{"name":"\xff\xfe","role":"employee","password":"0123456789"}'
expect_error "invalid UTF-8" 400 'malformed JSON'
api POST /api/v1/session -d 'username=admin&password=x'
expect_error "form-encoded login" 400 'malformed JSON'
unchanged "malformed JSON"

# Wrong types, missing and unknown fields.
api POST /api/v1/users "${AUTH[@]}" -d '{"name": 5, "role": "employee", "password": "0123456789"}'
expect_error "number for a string" 400 "field 'name' must be a string"
api POST /api/v1/users "${AUTH[@]}" -d '{"role": "employee", "password": "0123456789"}'
expect_error "missing field" 400 "field 'name' is required"
api POST /api/v1/users "${AUTH[@]}" -d '{"name": "zoe", "role": "employee", "password": "0123456789", "admin": true}'
expect_error "unknown field" 400 "field 'admin' is not recognised"
api POST /api/v1/users "${AUTH[@]}" -d '{"name": "zoe", "role": "root", "password": "0123456789"}'
expect_error "bad role" 400 "role 'root' is not valid"
api POST /api/v1/users "${AUTH[@]}" -d '{"name": "zoe", "role": "employee", "password": "short"}'
expect_error "weak password" 400 'at least 10 characters'
api POST /api/v1/users "${AUTH[@]}" -d '{"name": "zoe", "role": "employee", "password": "zoe\u0000123456789"}'
expect_error "NUL in a string" 400 'malformed JSON|NUL'
unchanged "bad fields"

# Quote characters and SQL in every field.
for evil in "o'brien" 'say "hi"' "x'); DROP TABLE users; --" "' OR '1'='1" 'robert"); DELETE FROM activity; --' '`id`' '\\'; do
	body=$(jq -n --arg v "$evil" '{name: $v, role: "employee", password: "0123456789ab"}')
	api POST /api/v1/users "${AUTH[@]}" -d "$body"
	expect_error "name $evil" 400 'user name .* is not valid'
	body=$(jq -n --arg v "$evil" '{name: "zoe", role: $v, password: "0123456789ab"}')
	api POST /api/v1/users "${AUTH[@]}" -d "$body"
	expect_error "role $evil" 400 'role .* is not valid'
	# o'brien and `id` are legal local parts (RFC 5322 atext); the rest are not.
	if ! printf '%s' "$evil" | grep -qE "^[A-Za-z0-9!#\$%&'*+/=?^_\`{|}~.-]+$"; then
		body=$(jq -n --arg v "$evil@example.com" '{name: "zoe", role: "employee", email: $v, password: "0123456789ab"}')
		api POST /api/v1/users "${AUTH[@]}" -d "$body"
		expect_error "email $evil" 400 'e-mail address .* is not valid'
	fi
	body=$(jq -n --arg v "$evil" '{name: "zoe", role: "employee", email: ("x@" + $v + ".com"), password: "0123456789ab"}')
	api POST /api/v1/users "${AUTH[@]}" -d "$body"
	expect_error "email domain $evil" 400 'e-mail address .* is not valid'
	body=$(jq -n --arg v "$evil" '{username: $v, password: $v}')
	api POST /api/v1/session -d "$body"
	expect_eq "login with $evil: 401 or 429" "$(printf '%s' "$STATUS" | grep -cE '^(401|429)$')" 1
	api GET "/api/v1/users/$(jq -rn --arg v "$evil" '$v | @uri')" "${AUTH[@]}"
	expect_eq "path $evil: 400 or 404" "$(printf '%s' "$STATUS" | grep -cE '^(400|404)$')" 1
	api GET "/api/v1/log?actor=$(jq -rn --arg v "$evil" '$v | @uri')&action=$(jq -rn --arg v "$evil" '$v | @uri')" "${AUTH[@]}"
	expect_eq "log filter $evil: empty result" "$STATUS $(printf '%s' "$BODY" | jq '.entries | length')" "200 0"
done
expect_eq "tables all still there" "$(sqlite3 "$D/ward.db" "SELECT count(*) FROM sqlite_master WHERE name IN ('users','activity','sessions','api_tokens')")" 4
# Quotes that are legal in a password are stored and work.
body=$(jq -n '{name: "quinn", role: "employee", email: "o'"'"'brien@example.com", password: "it'"'"'s \"quoted\"; DROP TABLE users;--"}')
api POST /api/v1/users "${AUTH[@]}" -d "$body"
expect_eq "a legal quote in e-mail and password is accepted" "$STATUS $(printf '%s' "$BODY" | jq -r .user.email)" "201 o'brien@example.com"
login quinn "it's \"quoted\"; DROP TABLE users;--"
expect_eq "and that password logs in" "$STATUS" 200
"$WARD" --data "$D" user disable quinn >/dev/null
before_log=$(log_count "$D")
before_users=$(users_digest "$D")

# A 50 MB body: refused before it is read (Content-Length), or as it arrives (chunked).
head -c $((50 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$TMP/big"
api POST /api/v1/users "${AUTH[@]}" --data-binary @"$TMP/big"
expect_error "50 MB body" 413 'larger than 1048576 bytes'
api POST /api/v1/users "${AUTH[@]}" -H 'Expect:' --data-binary @"$TMP/big"
expect_error "50 MB body without Expect" 413 'larger than'
api POST /api/v1/users "${AUTH[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/big"
expect_error "50 MB chunked body" 413 'larger than'
api POST /api/v1/session -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/big"
expect_error "50 MB login body" 413 'larger than'
unchanged "huge bodies"
api GET /api/v1/health
expect_eq "server still healthy" "$STATUS" 200

# Oversized headers and paths.
api GET /api/v1/health -H "X-Big: $(head -c 70000 /dev/zero | tr '\0' 'a')"
expect_match "huge header refused" "$STATUS" '^(413|431|400)$'
api GET "/api/v1/$(head -c 3000 /dev/zero | tr '\0' 'a')"
expect_match "huge path refused" "$STATUS" '^(414|404)$'

# A wrong role changes nothing.
EAUTH=(-H "Authorization: Bearer $etok")
api POST /api/v1/users "${EAUTH[@]}" -d '{"name": "sneaky", "role": "admin", "password": "0123456789ab"}'
expect_error "employee adds a user" 403 'needs the admin role'
api POST /api/v1/users/admin/disable "${EAUTH[@]}"
expect_error "employee disables the admin" 403 'needs the admin role'
api GET /api/v1/log "${EAUTH[@]}"
expect_error "employee reads the log" 403 'needs the admin role'
unchanged "wrong role"

# Unknown routes and methods.
api GET /api/v1/nope "${AUTH[@]}"
expect_error "unknown route" 404 'no such route'
api DELETE /api/v1/users "${AUTH[@]}"
expect_error "wrong method" 405 'not allowed'
allow=$(curl -s -D - -o /dev/null -X PATCH "$URL/api/v1/users" "${AUTH[@]}" | grep -i '^allow:' | tr -d '\r')
expect_match "405 has Allow" "$allow" 'GET, POST'
api GET /nope.html
expect_eq "unknown page: 404" "$STATUS" 404
unchanged "unknown routes"

stop_ward
expect_exit "log intact" 0 "$WARD" --data "$D" log verify
finish
