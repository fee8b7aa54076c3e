#!/usr/bin/env bash
# `ward serve`: listening rules, TLS, graceful stop, the access log, the web UI's
# static files and their security headers.
. "$(dirname "$0")/lib.sh"

D=$(new_data)

# Off loopback without TLS is refused unless asked for.
expect_exit "non-loopback without TLS refused" 1 "$WARD" --data "$D" serve --listen 0.0.0.0:0
expect_match "refusal explains" "$ERR" 'without TLS.*--tls-cert.*--insecure-listen'
expect_exit "bad listen address" 1 "$WARD" --data "$D" serve --listen nowhere
expect_match "bad address explained" "$ERR" "listen address 'nowhere'"
expect_exit "bad port" 1 "$WARD" --data "$D" serve --listen 127.0.0.1:99999
expect_exit "cert without key" 1 "$WARD" --data "$D" serve --tls-cert /dev/null
expect_exit "serve on an uninitialised dir" 1 "$WARD" --data "$TMP/none" serve
expect_match "uninitialised explained" "$ERR" 'not initialised'

# --insecure-listen on all addresses; reached here through loopback only.
"$WARD" --data "$D" serve --listen 0.0.0.0:0 --insecure-listen 2>"$TMP/server.log" &
SERVER_PID=$!
for _ in $(seq 100); do grep -q 'listening on' "$TMP/server.log" && break; sleep 0.05; done
port=$(grep -o 'listening on http://[0-9.]*:[0-9]*' "$TMP/server.log" | sed 's/.*://')
expect_match "insecure listen starts" "$port" '^[0-9]+$'
URL="http://127.0.0.1:$port"
api GET /api/v1/health
expect_eq "reachable" "$STATUS" 200
stop_ward

# TLS: a self-signed certificate made here.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 1 \
	-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null
start_ward "$D" --tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem"
expect_match "TLS URL" "$URL" '^https://127\.0\.0\.1:'
STATUS=$(curl -s --cacert "$TMP/cert.pem" -D "$TMP/headers" -o "$TMP/body" -w '%{http_code}' -X POST "$URL/api/v1/session" \
	-d "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}")
expect_eq "login over TLS" "$STATUS" 200
expect_match "cookie is Secure under TLS" "$(grep -i '^set-cookie:' "$TMP/headers")" '; Secure'
expect_eq "plain HTTP to the TLS port fails" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${URL##*:}/api/v1/health")" 000
stop_ward

# Static files, headers, the access log.
start_ward "$D" --access-log "$TMP/access.log"
STATUS=$(curl -s -D "$TMP/headers" -o "$TMP/index" -w '%{http_code}' "$URL/")
expect_eq "index page" "$STATUS" 200
expect_match "index is HTML" "$(head -c 200 "$TMP/index")" '<!doctype html>'
h=$(tr -d '\r' <"$TMP/headers")
expect_match "CSP on pages" "$h" "Content-Security-Policy: default-src 'self'"
expect_match "nosniff" "$h" 'X-Content-Type-Options: nosniff'
expect_match "no framing" "$h" 'X-Frame-Options: DENY'
for asset in $(grep -oE '(src|href)="/[^"]+"' "$TMP/index" | sed -E 's/.*="([^"]+)"/\1/'); do
	expect_eq "asset $asset served" "$(curl -s -o /dev/null -w '%{http_code}' "$URL$asset")" 200
done
expect_match "JavaScript type" "$(curl -s -D - -o /dev/null "$URL/app.js" | tr -d '\r' | grep -i '^content-type')" 'text/javascript'
api GET /api/v1/health
h=$(curl -s -D - -o /dev/null "$URL/api/v1/health" | tr -d '\r')
expect_match "API is JSON" "$h" 'Content-Type: application/json'
expect_match "API is not cached" "$h" 'Cache-Control: no-store'
login admin "$ADMIN_PW"
api GET /api/v1/me -b "$TMP/jar-admin"
api GET /nope
api GET '/x%0a2026-01-01T00:00:00Z%20forged%22'
sleep 0.2
expect_match "access log line" "$(grep 'GET /api/v1/me' "$TMP/access.log")" '^[0-9T:Z-]+ 127\.0\.0\.1 admin "GET /api/v1/me" 200 [0-9]+ [0-9.]+ms$'
expect_match "access log has the login" "$(grep 'POST /api/v1/session' "$TMP/access.log")" ' admin "POST /api/v1/session" 200 '
expect_match "access log has failures" "$(grep 'GET /nope' "$TMP/access.log")" ' - "GET /nope" 404 '
expect_match "escaped path cannot forge a line" "$(grep 'GET /x' "$TMP/access.log")" '"GET /x\\x0a2026-01-01T00:00:00Z forged\\x22" 404 '
expect_eq "no forged line" "$(grep -c '^2026-01-01' "$TMP/access.log")" 0


# SIGTERM: the request in flight (a login, slow by design) finishes; then it stops.
# The signal goes once the server holds the request's connection (one more socket),
# not after a fixed pause that a busy machine can outlast.
sockets() { find "/proc/$SERVER_PID/fd" -lname 'socket:*' 2>/dev/null | wc -l; }
before=$(sockets)
curl -s -o "$TMP/late" -w '%{http_code}' -X POST "$URL/api/v1/session" \
	-d "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}" >"$TMP/late.status" &
curl_pid=$!
for _ in $(seq 200); do (($(sockets) > before)) && break; sleep 0.02; done
sleep 0.05
kill -TERM "$SERVER_PID"
wait "$curl_pid"
expect_eq "request in flight completed" "$(cat "$TMP/late.status")" 200
for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.05; done
wait "$SERVER_PID"
expect_eq "exits 0 on SIGTERM" "$?" 0
SERVER_PID=
check_sanitizers "$TMP/server.log"
expect_match "says it stopped" "$(cat "$TMP/server.log")" 'stopped'
expect_eq "no longer listening" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/health")" 000
expect_eq "database closed cleanly (no WAL left)" "$(test -s "$D/ward.db-wal" && echo wal || echo clean)" clean
expect_exit "log intact after the stop" 0 "$WARD" --data "$D" log verify

finish
