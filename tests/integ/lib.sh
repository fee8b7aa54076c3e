# lib.sh: shared helpers for the integration tests. Each test sources this, runs a
# real `ward` on a temporary data directory and a free loopback port, and ends with
# `finish`, which prints "N passed, N failed" and sets the exit status.
set -uo pipefail

WARD=${WARD_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/ward}
TMP=$(mktemp -d /tmp/ward-test.XXXXXX)
PASSES=0
FAILS=0
SERVER_PID=
URL=

cleanup() {
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

pass() { PASSES=$((PASSES + 1)); echo "ok - $1"; }
fail() { FAILS=$((FAILS + 1)); echo "FAIL - $1"; }

# expect_eq DESC ACTUAL EXPECTED
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', expected '$3'"; fi
}

# expect_match DESC TEXT REGEX
expect_match() {
	# A here-string, not printf | grep -q: grep stops at the first match, and under
	# pipefail printf's SIGPIPE on a long value made a match count as a failure.
	if grep -qE -- "$3" <<<"$2"; then pass "$1"; else fail "$1: '$2' does not match /$3/"; fi
}

# expect_exit DESC CODE COMMAND...: runs the command, keeps stdout in $OUT, stderr in $ERR
expect_exit() {
	local desc=$1 want=$2
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	local got=$?
	OUT=$(cat "$TMP/out")
	ERR=$(cat "$TMP/err")
	check_sanitizers "$TMP/err"
	if [ "$got" = "$want" ]; then pass "$desc"; else fail "$desc: exit $got, expected $want (stderr: $ERR)"; fi
}

# A fresh data directory with admin / $ADMIN_PW.
ADMIN_PW='correct horse battery staple'
new_data() {
	local dir=$TMP/${1:-data}
	printf '%s\n' "$ADMIN_PW" >"$TMP/admin.pw"
	"$WARD" --data "$dir" init --admin admin --admin-password-file "$TMP/admin.pw" >/dev/null || {
		echo "cannot init $dir" >&2
		exit 1
	}
	echo "$dir"
}

# start_ward DIR [serve options...]: starts the server and sets URL.
start_ward() {
	local dir=$1
	shift
	: >"$TMP/server.log"
	"$WARD" --data "$dir" serve --listen 127.0.0.1:0 "$@" 2>"$TMP/server.log" &
	SERVER_PID=$!
	for _ in $(seq 100); do
		URL=$(grep -o 'listening on https\?://[^ ]*' "$TMP/server.log" | head -1 | sed 's/listening on //')
		[ -n "$URL" ] && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "ward serve did not start:" >&2
	cat "$TMP/server.log" >&2
	exit 1
}

# Sanitizer reports in a server log fail the test (the ASan/UBSan run in CI).
check_sanitizers() {
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$1" 2>/dev/null; then
		fail "sanitizer report in $1"
		grep -E -A20 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$1" | head -40
	fi
}

stop_ward() {
	kill "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	local rc=$?
	SERVER_PID=
	[ "$rc" -eq 0 ] || fail "ward serve exited $rc on SIGTERM"
	check_sanitizers "$TMP/server.log"
}

# api METHOD PATH [curl args...]: sets STATUS and BODY.
api() {
	local method=$1 path=$2
	shift 2
	STATUS=$(curl -s -o "$TMP/body" -w '%{http_code}' -X "$method" "$@" "$URL$path")
	BODY=$(cat "$TMP/body")
}

# login NAME PASSWORD [JAR]: a cookie session; sets CSRF.
login() {
	local jar=${3:-$TMP/jar-$1}
	api POST /api/v1/session -c "$jar" -H 'Content-Type: application/json' \
		-d "$(jq -n --arg u "$1" --arg p "$2" '{username: $u, password: $p}')"
	CSRF=$(printf '%s' "$BODY" | jq -r '.csrf_token // empty')
}

# Number of activity log entries, and a digest of the users table, to show nothing changed.
log_count() { "$WARD" --data "$1" --json log list --limit 500 | jq length; }
users_digest() { "$WARD" --data "$1" --json user list | sha256sum | cut -c1-16; }

finish() {
	[ -n "$SERVER_PID" ] && stop_ward
	echo
	echo "$PASSES passed, $FAILS failed"
	[ "$FAILS" -eq 0 ]
}
