#!/usr/bin/env bash
# The agent pins its server: enrollment and reports over TLS with a pinned CA
# certificate or a pinned public-key fingerprint; a wrong pin is refused.
. "$(dirname "$0")/lib.sh"
SRC=${WARD_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}

D=$(new_data)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 1 \
	-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/other-key.pem" -out "$TMP/other.pem" -days 1 \
	-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null
start_ward "$D" --tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem"
fp=$(openssl x509 -in "$TMP/cert.pem" -pubkey -noout | openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1)
wrong=$(openssl x509 -in "$TMP/other.pem" -pubkey -noout | openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1)
tok=$("$WARD" --data "$D" host enroll-token --uses 5 | head -1)

expect_exit "https without a pin" 1 "$WARD" agent enroll --server "$URL" --token "$tok" --state "$TMP/s0"
expect_match "asks for a pin" "$ERR" '--ca-cert or --fingerprint'
expect_exit "wrong CA refused" 1 "$WARD" agent enroll --server "$URL" --token "$tok" --ca-cert "$TMP/other.pem" --state "$TMP/s1"
expect_match "trust failure explained" "$ERR" 'cannot trust server'
expect_exit "wrong fingerprint refused" 1 "$WARD" agent enroll --server "$URL" --token "$tok" --fingerprint "$wrong" --state "$TMP/s2"
expect_match "pin failure explained" "$ERR" 'cannot trust server'
expect_exit "bad fingerprint text" 1 "$WARD" agent enroll --server "$URL" --token "$tok" --fingerprint nothex --state "$TMP/s3"
expect_exit "nothing kept after refusals" 0 test ! -e "$TMP/s1/agent.json" -a ! -e "$TMP/s2/agent.json"

expect_exit "enroll with the CA" 0 "$WARD" agent enroll --server "$URL" --token "$tok" --ca-cert "$TMP/cert.pem" --state "$TMP/ca" --hostname a
expect_exit "report with the CA" 0 "$WARD" agent run --once --root "$SRC/tests/fixtures/debian12" --state "$TMP/ca"
expect_exit "enroll with the fingerprint" 0 "$WARD" agent enroll --server "$URL" --token "$tok" --fingerprint "$fp" --state "$TMP/fp" --hostname b
expect_exit "report with the fingerprint" 0 "$WARD" agent run --once --root "$SRC/tests/fixtures/ubuntu2204" --state "$TMP/fp"
expect_eq "both hosts reported" "$("$WARD" --data "$D" --json host list | jq -r '[.[] | .name + ":" + (.reports | tostring)] | sort | join(",")')" "$(cat "$SRC/tests/fixtures/ubuntu2204/etc/hostname"):1,db01:1"

# The server changes its key: the pinned agent refuses to talk to it.
stop_ward
port=${URL##*:}
"$WARD" --data "$D" serve --listen "127.0.0.1:$port" --tls-cert "$TMP/other.pem" --tls-key "$TMP/other-key.pem" 2>"$TMP/server.log" &
SERVER_PID=$!
for _ in $(seq 100); do grep -q 'listening on' "$TMP/server.log" && break; sleep 0.05; done
expect_exit "an impostor is not trusted" 1 "$WARD" agent run --once --root "$SRC/tests/fixtures/debian12" --state "$TMP/fp"
expect_match "says why" "$ERR" 'cannot trust server'
expect_eq "and the report is not spooled for it" "$(ls "$TMP/fp/spool" 2>/dev/null | wc -l)" 0

finish
