#!/usr/bin/env bash
# Sessions, CSRF, API tokens, roles, disabled users and failed-login throttling,
# against a real `ward serve`.
. "$(dirname "$0")/lib.sh"

D=$(new_data)
printf 'employee password\n' >"$TMP/emp.pw"
printf 'support password\n' >"$TMP/sup.pw"
"$WARD" --data "$D" user add erin --role employee --password-file "$TMP/emp.pw" >/dev/null
"$WARD" --data "$D" user add sam --role support --password-file "$TMP/sup.pw" >/dev/null
start_ward "$D"

api GET /api/v1/health
expect_eq "health without auth" "$STATUS $(printf '%s' "$BODY" | jq -r .status)" "200 ok"
expect_eq "health has the version" "$(printf '%s' "$BODY" | jq -r .version)" "$("$WARD" version | cut -d' ' -f2)"
api GET /api/v1/me
expect_eq "me needs auth" "$STATUS" 401

# Login sets a hardened cookie and returns the CSRF token.
STATUS=$(curl -s -D "$TMP/headers" -o "$TMP/body" -w '%{http_code}' -c "$TMP/jar" -X POST "$URL/api/v1/session" \
	-d "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}")
expect_eq "login" "$STATUS" 200
cookie=$(grep -i '^set-cookie:' "$TMP/headers")
expect_match "cookie is HttpOnly" "$cookie" 'HttpOnly'
expect_match "cookie is SameSite=Strict" "$cookie" 'SameSite=Strict'
expect_match "cookie is 256 bits" "$cookie" 'ward_session=[0-9a-f]{64};'
if printf '%s' "$cookie" | grep -q Secure; then fail "no Secure flag without TLS"; else pass "no Secure flag without TLS"; fi
CSRF=$(jq -r .csrf_token "$TMP/body")
expect_match "csrf token returned" "$CSRF" '^[0-9a-f]{64}$'
token=$(printf '%s' "$cookie" | grep -o 'ward_session=[0-9a-f]*' | cut -d= -f2)
expect_eq "session token stored hashed, not in clear" "$(sqlite3 "$D/ward.db" "SELECT count(*) FROM sessions WHERE hex(token_hash) = upper('$token') OR token_hash = '$token'")" 0

api GET /api/v1/me -b "$TMP/jar"
expect_eq "me with the cookie" "$STATUS $(printf '%s' "$BODY" | jq -r '.user.name + " " + .user.role')" "200 admin admin"
expect_eq "me returns the CSRF token again" "$(printf '%s' "$BODY" | jq -r .csrf_token)" "$CSRF"

# State changes with the cookie need the CSRF token.
newuser='{"name":"fred","role":"employee","password":"fred password"}'
api POST /api/v1/users -b "$TMP/jar" -d "$newuser"
expect_eq "no CSRF token: 403" "$STATUS" 403
expect_match "CSRF error explained" "$BODY" 'CSRF'
api POST /api/v1/users -b "$TMP/jar" -H "X-CSRF-Token: $(printf '0%.0s' $(seq 64))" -d "$newuser"
expect_eq "wrong CSRF token: 403" "$STATUS" 403
api POST /api/v1/users -b "$TMP/jar" -H "X-CSRF-Token: $CSRF" -d "$newuser"
expect_eq "with the CSRF token: 201" "$STATUS" 201
expect_eq "created user returned" "$(printf '%s' "$BODY" | jq -r '.user.name + " " + .user.role')" "fred employee"
api GET /api/v1/users/fred -b "$TMP/jar"
expect_eq "get user" "$STATUS $(printf '%s' "$BODY" | jq -r .user.name)" "200 fred"
api GET /api/v1/users/nobody -b "$TMP/jar"
expect_eq "missing user: 404" "$STATUS" 404

# API tokens.
tok=$("$WARD" --data "$D" token create script --user admin | head -1)
api GET /api/v1/users -H "Authorization: Bearer $tok"
expect_eq "bearer token works" "$STATUS $(printf '%s' "$BODY" | jq '.users | length')" "200 4"
api POST /api/v1/users/fred/disable -H "Authorization: Bearer $tok"
expect_eq "bearer needs no CSRF token" "$STATUS $(printf '%s' "$BODY" | jq .user.disabled)" "200 true"
api POST /api/v1/users/fred/enable -H "Authorization: Bearer $tok"
expect_eq "enable" "$(printf '%s' "$BODY" | jq .user.disabled)" false
api GET /api/v1/me -H "Authorization: Bearer ward_$(printf 'a%.0s' $(seq 64))"
expect_eq "unknown token: 401" "$STATUS" 401
api GET /api/v1/me -H "Authorization: Basic YWRtaW46eA=="
expect_eq "other schemes: 401" "$STATUS" 401
"$WARD" --data "$D" token revoke script >/dev/null
api GET /api/v1/me -H "Authorization: Bearer $tok"
expect_eq "revoked token: 401" "$STATUS" 401

# Roles: employee and support get 403 on admin routes.
login erin 'employee password' "$TMP/erin"
expect_eq "employee logs in" "$STATUS" 200
ECSRF=$CSRF
for route in "GET /api/v1/users" "GET /api/v1/log" "GET /api/v1/users/admin" "POST /api/v1/users/admin/disable" "POST /api/v1/users"; do
	api ${route% *} ${route#* } -b "$TMP/erin" -H "X-CSRF-Token: $ECSRF" -d '{}'
	expect_eq "employee: $route is 403" "$STATUS" 403
done
expect_match "403 names the needed role" "$BODY" 'needs the admin role; you are employee'
api GET /api/v1/dashboard -b "$TMP/erin"
expect_eq "employee sees the dashboard" "$STATUS $(printf '%s' "$BODY" | jq -r .user.name)" "200 erin"
expect_eq "but not the admin figures" "$(printf '%s' "$BODY" | jq -c '[.users, .activity]')" "[null,null]"
login sam 'support password' "$TMP/sam"
api GET /api/v1/users -b "$TMP/sam"
expect_eq "support: admin route is 403" "$STATUS" 403
api GET /api/v1/dashboard -b "$TMP/jar"
expect_eq "admin dashboard has figures" "$(printf '%s' "$BODY" | jq -c '[.users.total, .users.employee, (.activity.recent | length > 0)]')" "[4,2,true]"

# A disabled user cannot log in and loses open sessions.
api POST /api/v1/users/erin/disable -b "$TMP/jar" -H "X-CSRF-Token: $(jq -r .csrf_token <<<"$(curl -s -b "$TMP/jar" "$URL/api/v1/me")")"
expect_eq "admin disables erin" "$STATUS" 200
api GET /api/v1/me -b "$TMP/erin"
expect_eq "erin's open session is gone" "$STATUS" 401
login erin 'employee password' "$TMP/erin2"
expect_eq "disabled user cannot log in" "$STATUS" 401
expect_match "same message as a wrong password" "$BODY" 'invalid user name or password'
api POST /api/v1/users/admin/disable -b "$TMP/jar" -H "X-CSRF-Token: $(curl -s -b "$TMP/jar" "$URL/api/v1/me" | jq -r .csrf_token)"
expect_eq "admin cannot disable themself" "$STATUS" 400

# Logout.
ACSRF=$(curl -s -b "$TMP/jar" "$URL/api/v1/me" | jq -r .csrf_token)
api DELETE /api/v1/session -b "$TMP/jar"
expect_eq "logout needs CSRF" "$STATUS" 403
api DELETE /api/v1/session -b "$TMP/jar" -H "X-CSRF-Token: $ACSRF"
expect_eq "logout" "$STATUS" 200
api GET /api/v1/me -b "$TMP/jar"
expect_eq "session ended by logout" "$STATUS" 401

# Throttling: slowed after 3 failures, locked after 5; logged; unlock clears it.
for i in 1 2 3; do login sam wrong-password-$i; done
expect_eq "third failure still 401" "$STATUS" 401
# The same request's headers: a second request could land after the wait on a slow
# machine and count as a fourth failure.
api POST /api/v1/session -D "$TMP/slowed.h" -d '{"username":"sam","password":"support password"}'
expect_eq "then slowed: 429" "$STATUS" 429
expect_match "429 says when" "$BODY" 'try again in [0-9]+ seconds'
retry=$(grep -i '^retry-after:' "$TMP/slowed.h" | tr -dc '0-9')
expect_match "Retry-After header" "$retry" '^[0-9]+$'
sleep 1.1
login sam wrong-password-4
expect_eq "fourth failure after the wait: 401" "$STATUS" 401
sleep 2.1
login sam wrong-password-5
expect_eq "fifth failure: 401" "$STATUS" 401
sleep 1.1
login sam 'support password'
expect_eq "locked: even the right password gets 429" "$STATUS" 429
expect_match "lock says so" "$BODY" 'locked'
expect_eq "lockout in the log" "$("$WARD" --data "$D" --json log list --action auth.lockout | jq -r '.[0].object')" user:sam
expect_eq "failures in the log" "$("$WARD" --data "$D" --json log list --action auth.login_failed | jq '[.[] | select(.object == "user:sam")] | length')" 5
"$WARD" --data "$D" user unlock sam >/dev/null
login sam 'support password'
expect_eq "unlocked: login works" "$STATUS" 200
expect_eq "logins in the log" "$("$WARD" --data "$D" --json log list --action auth.login --actor sam | jq length)" 2

# Unknown user names are throttled the same way, so probing is slowed too.
for i in 1 2 3; do login ghost nope; done
login ghost nope
expect_eq "unknown names are throttled" "$STATUS" 429

# Many failures from one address slow that address down too, whatever the names.
for n in probe1 probe2 probe3; do login "$n" nope; done
login admin "$ADMIN_PW" "$TMP/jar"
expect_eq "the address is throttled" "$STATUS" 429

# The activity log API: admin only, paged.
tok=$("$WARD" --data "$D" token create logs --user admin | head -1)
api GET "/api/v1/log?limit=3" -H "Authorization: Bearer $tok"
expect_eq "log page" "$STATUS $(printf '%s' "$BODY" | jq '.entries | length')" "200 3"
next=$(printf '%s' "$BODY" | jq .next_before)
first=$(printf '%s' "$BODY" | jq '.entries[0].id')
api GET "/api/v1/log?limit=3&before=$next" -H "Authorization: Bearer $tok"
expect_eq "next page continues" "$(printf '%s' "$BODY" | jq '.entries[0].id')" "$((next - 1))"
expect_match "pages go back in time" "$first" "^[0-9]+$"
api GET "/api/v1/log?action=auth.lockout" -H "Authorization: Bearer $tok"
expect_eq "log filter by action" "$(printf '%s' "$BODY" | jq -r '[.entries[].action] | unique | join(",")')" auth.lockout
api GET "/api/v1/log?action=user.*&actor=admin" -H "Authorization: Bearer $tok"
expect_eq "log filter by prefix and actor" "$(printf '%s' "$BODY" | jq -r '[.entries[] | .action + ":" + .actor] | unique | join(",")')" "user.create:admin,user.disable:admin,user.enable:admin"
api GET "/api/v1/log?since=2999-01-01" -H "Authorization: Bearer $tok"
expect_eq "log since" "$(printf '%s' "$BODY" | jq '.entries | length')" 0
api GET "/api/v1/log?limit=9999" -H "Authorization: Bearer $tok"
expect_eq "bad limit: 400" "$STATUS" 400
api GET "/api/v1/log?since=soon" -H "Authorization: Bearer $tok"
expect_eq "bad since: 400" "$STATUS" 400

stop_ward
expect_exit "log intact after it all" 0 "$WARD" --data "$D" log verify
finish
