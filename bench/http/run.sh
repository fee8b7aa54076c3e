#!/usr/bin/env bash
# bench/http/run.sh - HTTP benchmark: Ward against nginx, side by side, with wrk.
#
# Targets (all on 127.0.0.1, nothing else is ever contacted):
#   ward-health  Ward  GET /api/v1/health   (no auth)
#   ward-me      Ward  GET /api/v1/me       (Authorization: Bearer <API token>,
#                                            a database lookup per request)
#   nginx        nginx GET /api/v1/health   (a static file holding a copy of
#                                            Ward's /health body: same size)
#
# Everything (Ward data dir, nginx prefix, logs) lives in one temporary
# directory that is removed on exit, Ctrl-C included. Nothing is written into
# the repository and no system service or configuration is touched.
#
# See bench/README.md for how to read the figures.

set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

usage() {
    cat <<'EOF'
Usage: bench/http/run.sh [--duration S] [--runs N] [--json]

Measures with wrk (2 threads, 64 connections, --latency), in one run:
  ward-health  Ward GET /api/v1/health
  ward-me      Ward GET /api/v1/me with a Bearer API token
  nginx        nginx serving a static file as large as Ward's /health body
Each target gets a short warm-up, then N measured runs, interleaved
(ward-health, ward-me, nginx, ward-health, ...). The table reports the
median req/s and the median p99 latency per target and the Ward/nginx
req/s ratio; the goal is a ratio of at least 0.5.

Options:
  --duration S   seconds per measured wrk run (default 10)
  --runs N       measured runs per target (default 3)
  --json         print the figures as JSON on stdout (the table then goes
                 to stderr)
  -h, --help     this text

Environment:
  WARD_BIN    the ward binary (default: <repo>/build/ward)
  NGINX_BIN   the nginx binary (default: nginx from PATH, else /usr/sbin/nginx)
  TMPDIR      where the temporary directory is made (default /tmp)

Exit status: 0 when every request succeeded (whether or not the goal was
met), 1 on any failure: a non-2xx/3xx response, a wrk socket error, a
server that died, or a setup problem.
EOF
}

# ---------------------------------------------------------------- settings
DURATION=10
RUNS=3
JSON=0
THREADS=2
CONNECTIONS=64
WARMUP=2          # seconds of warm-up per target (capped at DURATION)
GOAL_RATIO=0.5
TARGETS=(ward-health ward-me nginx)



while (( $# > 0 )); do
    case $1 in
        --duration)   (( $# >= 2 )) || die "--duration needs a value"; DURATION=$2; shift 2 ;;
        --duration=*) DURATION=${1#*=}; shift ;;
        --runs)       (( $# >= 2 )) || die "--runs needs a value"; RUNS=$2; shift 2 ;;
        --runs=*)     RUNS=${1#*=}; shift ;;
        --json)       JSON=1; shift ;;
        -h|--help)    usage; exit 0 ;;
        *)            usage >&2; die "unknown argument: $1" ;;
    esac
done
DURATION=${DURATION%s}
is_posint "$DURATION" || die "--duration must be a positive whole number of seconds, not '$DURATION'"
is_posint "$RUNS" || die "--runs must be a positive whole number, not '$RUNS'"
DURATION=$((10#$DURATION))
RUNS=$((10#$RUNS))
(( WARMUP > DURATION )) && WARMUP=$DURATION

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)
WARD_BIN=${WARD_BIN:-$REPO/build/ward}
NGINX_CONF_IN=$SCRIPT_DIR/nginx.conf.in

# ------------------------------------------------------------ dependencies
missing_pkgs=()
command -v wrk >/dev/null 2>&1 || missing_pkgs+=(wrk)
command -v curl >/dev/null 2>&1 || missing_pkgs+=(curl)
if [[ -z ${NGINX_BIN:-} ]]; then
    if command -v nginx >/dev/null 2>&1; then
        NGINX_BIN=$(command -v nginx)
    elif [[ -x /usr/sbin/nginx ]]; then
        NGINX_BIN=/usr/sbin/nginx
    else
        NGINX_BIN=
        missing_pkgs+=(nginx-light)
    fi
elif [[ ! -x $NGINX_BIN ]]; then
    die "NGINX_BIN=$NGINX_BIN is not an executable file"
fi
if (( ${#missing_pkgs[@]} > 0 )); then
    sudo=
    (( EUID != 0 )) && sudo='sudo '
    log "run.sh: missing: ${missing_pkgs[*]}. Install with:"
    log "    ${sudo}apt-get install -y ${missing_pkgs[*]}"
    exit 1
fi
[[ -f $NGINX_CONF_IN ]] || die "missing $NGINX_CONF_IN"
[[ -x $WARD_BIN ]] || die "no ward binary at $WARD_BIN (build it first, or set WARD_BIN)"
case $WARD_BIN in /*) ;; *) WARD_BIN=$PWD/$WARD_BIN ;; esac

# ------------------------------------------------------- temp dir, cleanup
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ward-bench.XXXXXX")
WARD_PID=
NGINX_PID=

# stop_pid PID: SIGTERM, then SIGKILL after 5 s; reaps the child.

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    local rc=$? workers=() w
    trap - EXIT INT TERM HUP
    if [[ -n $NGINX_PID ]]; then
        # Remember the workers in case the master has to be SIGKILLed.
        mapfile -t workers < <(ps -o pid= --ppid "$NGINX_PID" 2>/dev/null || true)
        stop_pid "$NGINX_PID"
        for w in "${workers[@]}"; do
            w=${w//[[:space:]]/}
            [[ -n $w ]] || continue
            if grep -qa 'nginx' "/proc/$w/cmdline" 2>/dev/null; then
                kill -KILL "$w" 2>/dev/null || true
            fi
        done
        NGINX_PID=
    fi
    if [[ -n $WARD_PID ]]; then
        stop_pid "$WARD_PID"
        WARD_PID=
    fi
    rm -rf -- "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ------------------------------------------------------------------ helpers
# curl only ever talks to 127.0.0.1 and never through a proxy.
lcurl() { curl --noproxy '*' -sS --max-time 10 "$@"; }

# free_port: a TCP port on 127.0.0.1 that nobody listens on right now.
free_port() {
    local p i
    if command -v python3 >/dev/null 2>&1 &&
        p=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' 2>/dev/null) && [[ $p =~ ^[0-9]+$ ]]; then
        printf '%s\n' "$p"
        return 0
    fi
    for (( i = 0; i < 100; i++ )); do
        p=$(( 20000 + RANDOM % 40000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            printf '%s\n' "$p"
            return 0
        fi
    done
    return 1
}

# median of the numbers given as arguments

# wrk output parsers; each prints one number or fails.
parse_rps() { awk '$1 == "Requests/sec:" { print $2; found = 1 } END { exit !found }' "$1"; }
parse_p99() {
    # "     99%    1.23ms" -> milliseconds; wrk prints us, ms, s, m or h.
    awk '$1 == "99%" {
            v = $2; f = 0
            if      (v ~ /us$/) { sub(/us$/, "", v); f = 0.001 }
            else if (v ~ /ms$/) { sub(/ms$/, "", v); f = 1 }
            else if (v ~ /s$/)  { sub(/s$/,  "", v); f = 1000 }
            else if (v ~ /m$/)  { sub(/m$/,  "", v); f = 60000 }
            else if (v ~ /h$/)  { sub(/h$/,  "", v); f = 3600000 }
            if (f == 0 || v !~ /^[0-9.]+$/) exit 1
            printf "%.3f\n", v * f; found = 1; exit
        } END { exit !found }' "$1"
}
parse_non2xx() { awk '/Non-2xx or 3xx responses:/ { n += $NF } END { print n + 0 }' "$1"; }
parse_sockerr() {
    # "  Socket errors: connect 0, read 0, write 0, timeout 0"
    awk '/Socket errors:/ { gsub(/,/, ""); for (i = 3; i < NF; i += 2) n += $(i + 1) }
         END { print n + 0 }' "$1"
}
parse_sockerr_text() { awk '/Socket errors:/ { sub(/^[ \t]+/, ""); print; exit }' "$1"; }

# ------------------------------------------------------------- Ward setup
WARD_DATA=$TMP/ward-data
WARD_LOG=$TMP/ward.log
WARD_LOG_HEAD=$TMP/ward-startup.log
WARD_SUSPECT=$TMP/ward-suspect.log
mkdir -m 700 "$WARD_DATA"
: >"$WARD_SUSPECT"
(
    umask 077
    printf 'bench-%s%s%s\n' "$RANDOM" "$RANDOM" "$RANDOM" >"$TMP/admin-password"
)

log "== setup"
log "ward:   $WARD_BIN"
if ! "$WARD_BIN" --data "$WARD_DATA" init --admin admin \
        --admin-password-file "$TMP/admin-password" >"$TMP/ward-init.log" 2>&1 </dev/null; then
    cat "$TMP/ward-init.log" >&2
    die "ward init failed"
fi
if ! "$WARD_BIN" --data "$WARD_DATA" token create bench --user admin \
        >"$TMP/ward-token.out" 2>"$TMP/ward-token.err" </dev/null; then
    cat "$TMP/ward-token.err" >&2
    die "ward token create failed"
fi
# The token is the last word that looks like ward_... on the first line
# holding one.
TOKEN=$(awk '{ for (i = NF; i >= 1; i--) if ($i ~ /^ward_[A-Za-z0-9_.~+\/=-]+$/) { print $i; exit } }' \
    "$TMP/ward-token.out")
if [[ -z $TOKEN ]]; then
    TOKEN=$(grep -o 'ward_[0-9a-f]*' "$TMP/ward-token.out" | head -n 1 || true)
fi
(( ${#TOKEN} > 10 )) || { cat "$TMP/ward-token.out" "$TMP/ward-token.err" >&2; die "no token in 'ward token create' output"; }

# The access log (one line per request) goes to a file opened for append, so
# it can be truncated between runs to keep it small.
"$WARD_BIN" --data "$WARD_DATA" serve --listen 127.0.0.1:0 \
    >>"$TMP/ward.stdout" 2>>"$WARD_LOG" </dev/null &
WARD_PID=$!
wait_listening "$WARD_LOG" "$WARD_PID"
WARD_URL=$LISTEN_URL

# Sanity checks, so that the benchmark measures what it claims to.
BODY_FILE=$TMP/health.body
code=$(lcurl -o "$BODY_FILE" -w '%{http_code}' "$WARD_URL/api/v1/health") || die "GET $WARD_URL/api/v1/health failed"
[[ $code == 200 ]] || die "GET /api/v1/health answered $code, expected 200"
BODY_BYTES=$(wc -c <"$BODY_FILE")
BODY_BYTES=${BODY_BYTES//[[:space:]]/}
(( BODY_BYTES > 0 )) || die "GET /api/v1/health returned an empty body"
WARD_VERSION=$(grep -o '"version"[[:space:]]*:[[:space:]]*"[^"]*"' "$BODY_FILE" | head -n 1 | sed 's/.*"\([^"]*\)"$/\1/' || true)
code=$(lcurl -o "$TMP/me.body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$WARD_URL/api/v1/me") ||
    die "GET $WARD_URL/api/v1/me failed"
[[ $code == 200 ]] || { cat "$TMP/me.body" >&2; log; die "GET /api/v1/me with the token answered $code, expected 200"; }
grep -q 'admin' "$TMP/me.body" || { cat "$TMP/me.body" >&2; log; die "GET /api/v1/me did not name the admin user"; }
code=$(lcurl -o /dev/null -w '%{http_code}' "$WARD_URL/api/v1/me") || die "GET $WARD_URL/api/v1/me failed"
[[ $code == 401 || $code == 403 ]] || die "GET /api/v1/me without a token answered $code, expected 401"
cp "$WARD_LOG" "$WARD_LOG_HEAD"
: >"$WARD_LOG"
log "        $WARD_URL (version ${WARD_VERSION:-?}), /api/v1/health body: $BODY_BYTES bytes"

# ------------------------------------------------------------ nginx setup
NGX=$TMP/nginx
mkdir -p "$NGX/html/api/v1" "$NGX/tmp"
cp "$BODY_FILE" "$NGX/html/api/v1/health"
# As root the workers run as nobody: they must reach the document root.
chmod 711 "$TMP"
chmod 755 "$NGX" "$NGX/html" "$NGX/html/api" "$NGX/html/api/v1"
chmod 644 "$NGX/html/api/v1/health"
USER_LINE=
if (( EUID == 0 )); then
    USER_LINE="user nobody $(id -gn nobody 2>/dev/null || echo nogroup);"
fi
NGINX_E=()
if "$NGINX_BIN" -h 2>&1 | grep -q -- '-e filename'; then
    NGINX_E=(-e "$NGX/error.log")  # startup errors stay out of /var/log/nginx
fi

start_nginx() {
    local port=$1 conf i
    conf=$(<"$NGINX_CONF_IN")
    conf=${conf//@PREFIX@/$NGX}
    conf=${conf//@PORT@/$port}
    conf=${conf//@USER_LINE@/$USER_LINE}
    printf '%s\n' "$conf" >"$NGX/nginx.conf"
    : >"$NGX/error.log"
    "$NGINX_BIN" -p "$NGX/" -c "$NGX/nginx.conf" "${NGINX_E[@]}" \
        >>"$NGX/stdout.log" 2>&1 </dev/null &
    NGINX_PID=$!
    for (( i = 0; i < 100; i++ )); do
        if ! kill -0 "$NGINX_PID" 2>/dev/null; then
            wait "$NGINX_PID" 2>/dev/null || true
            NGINX_PID=
            return 1
        fi
        if [[ $(lcurl -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v1/health" 2>/dev/null) == 200 ]]; then
            return 0
        fi
        sleep 0.1
    done
    stop_pid "$NGINX_PID"
    NGINX_PID=
    return 1
}

NGINX_URL=
for (( attempt = 0; attempt < 5; attempt++ )); do
    port=$(free_port) || die "found no free port on 127.0.0.1"
    if start_nginx "$port"; then
        NGINX_URL=http://127.0.0.1:$port
        break
    fi
    grep -q 'Address already in use' "$NGX/error.log" "$NGX/stdout.log" 2>/dev/null && continue
    cat "$NGX/error.log" "$NGX/stdout.log" >&2 2>/dev/null || true
    die "nginx did not start"
done
[[ -n $NGINX_URL ]] || die "nginx did not start: no free port after 5 attempts"
cmp -s "$BODY_FILE" <(lcurl "$NGINX_URL/api/v1/health") || die "nginx does not serve Ward's /health body"
NGINX_VERSION=$("$NGINX_BIN" -v 2>&1 | sed -n 's|.*nginx/\([^ ]*\).*|\1|p' | head -n 1)
log "nginx:  $NGINX_BIN ${NGINX_VERSION:+($NGINX_VERSION) }$NGINX_URL, same body ($BODY_BYTES bytes)"
WRK_VERSION=$(wrk -v 2>&1 | sed -n 's/^wrk \([^ ]*\).*/\1/p' | head -n 1 || true)
CPUS=$(nproc 2>/dev/null || echo '?')
LOAD_START=$(loadavg)
log "wrk:    ${WRK_VERSION:-?}, $THREADS threads, $CONNECTIONS connections, ${DURATION}s x $RUNS runs per target (+${WARMUP}s warm-up); $CPUS CPUs"

# ---------------------------------------------------------------- running
declare -A URL HDR RPS P99 NON2XX SOCKERR SOCKERR_TEXT LOG_BAD LOG_ABORTED
URL[ward-health]=$WARD_URL/api/v1/health
URL[ward-me]=$WARD_URL/api/v1/me
URL[nginx]=$NGINX_URL/api/v1/health
HDR[ward-health]=
HDR[ward-me]="Authorization: Bearer $TOKEN"
HDR[nginx]=
for t in "${TARGETS[@]}"; do
    RPS[$t]=
    P99[$t]=
    NON2XX[$t]=0
    SOCKERR[$t]=0
    SOCKERR_TEXT[$t]=
    LOG_BAD[$t]=0
    LOG_ABORTED[$t]=0
done
FAILURES=()

# check_servers: both servers still running?
check_servers() {
    if ! kill -0 "$WARD_PID" 2>/dev/null; then
        wait "$WARD_PID" 2>/dev/null && rc=0 || rc=$?
        WARD_PID=
        tail -n 20 "$WARD_LOG" >&2 || true
        die "ward serve died during the benchmark (status $rc)"
    fi
    if ! kill -0 "$NGINX_PID" 2>/dev/null; then
        NGINX_PID=
        tail -n 20 "$NGX/error.log" >&2 || true
        die "nginx died during the benchmark"
    fi
}

# scan_ward_log TARGET: read Ward's log since the last scan, then empty it
# (the access log grows by one line per request). Access log lines look like
#   2026-01-01T00:00:00Z 127.0.0.1 admin "GET /api/v1/me" 200 52 0.123ms[ aborted]
# Counted per target: requests whose status is not 2xx/3xx, and requests
# aborted (normal at the end of a wrk run: up to one per connection). Any
# other line (a warning, an error) is kept for the report.
scan_ward_log() {
    local t=$1 counts bad aborted
    counts=$(awk -v suspect="$WARD_SUSPECT" '
        match($0, /^[0-9][0-9:TZ.+-]* [^ ]+ [^ ]+ "[^"]*" [0-9]+ /) {
            rest = substr($0, RSTART, RLENGTH); sub(/ $/, "", rest)
            n = split(rest, f, " "); st = f[n]
            if (st !~ /^[23][0-9][0-9]$/) { bad++; if (!(st in seen)) { seen[st] = 1; print "access log: status " st ": " $0 >> suspect } }
            if ($0 ~ / aborted$/) aborted++
            next
        }
        NF && other++ < 50 { print >> suspect }
        END { print bad + 0, aborted + 0 }' "$WARD_LOG" 2>/dev/null || echo "0 0")
    read -r bad aborted <<<"$counts"
    LOG_BAD[$t]=$(( ${LOG_BAD[$t]} + bad ))
    LOG_ABORTED[$t]=$(( ${LOG_ABORTED[$t]} + aborted ))
    : >"$WARD_LOG"
}

# run_wrk TARGET SECONDS OUT
run_wrk() {
    local t=$1 secs=$2 out=$3 args n s
    args=(-t "$THREADS" -c "$CONNECTIONS" -d "${secs}s" --latency)
    [[ -n ${HDR[$t]} ]] && args+=(-H "${HDR[$t]}")
    if ! wrk "${args[@]}" "${URL[$t]}" >"$out" 2>&1; then
        cat "$out" >&2
        die "wrk failed against $t (${URL[$t]})"
    fi
    check_servers
    if [[ $t == ward-* ]]; then scan_ward_log "$t"; fi
    n=$(parse_non2xx "$out")
    s=$(parse_sockerr "$out")
    NON2XX[$t]=$(( ${NON2XX[$t]} + n ))
    SOCKERR[$t]=$(( ${SOCKERR[$t]} + s ))
    if (( s > 0 )) && [[ -z ${SOCKERR_TEXT[$t]} ]]; then
        SOCKERR_TEXT[$t]=$(parse_sockerr_text "$out")
    fi
}

log
log "== warm-up (${WARMUP}s per target)"
for t in "${TARGETS[@]}"; do
    run_wrk "$t" "$WARMUP" "$TMP/wrk-warmup-$t.txt"
done

log "== measuring"
for (( r = 1; r <= RUNS; r++ )); do
    for t in "${TARGETS[@]}"; do
        out=$TMP/wrk-$r-$t.txt
        run_wrk "$t" "$DURATION" "$out"
        rps=$(parse_rps "$out") || { cat "$out" >&2; die "no Requests/sec line in wrk output ($t)"; }
        p99=$(parse_p99 "$out") || { cat "$out" >&2; die "no 99% latency line in wrk output ($t)"; }
        RPS[$t]+="$rps "
        P99[$t]+="$p99 "
        note=
        n=$(parse_non2xx "$out")
        s=$(parse_sockerr "$out")
        (( n > 0 )) && note+="  NON-2xx: $n"
        (( s > 0 )) && note+="  $(parse_sockerr_text "$out")"
        log "$(printf 'run %d/%d  %-12s %12s req/s   p99 %9s ms%s' "$r" "$RUNS" "$t" "$rps" "$p99" "$note")"
    done
done

# ---------------------------------------------------------------- results
LOAD_END=$(loadavg)
declare -A MED_RPS MED_P99 RATIO MET
for t in "${TARGETS[@]}"; do
    read -r -a vals <<<"${RPS[$t]}"
    MED_RPS[$t]=$(median "${vals[@]}")
    read -r -a vals <<<"${P99[$t]}"
    MED_P99[$t]=$(median "${vals[@]}")
done
for t in "${TARGETS[@]}"; do
    RATIO[$t]=$(awk -v a="${MED_RPS[$t]}" -v b="${MED_RPS[nginx]}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }')
    MET[$t]=$(awk -v a="${MED_RPS[$t]}" -v b="${MED_RPS[nginx]}" -v g="$GOAL_RATIO" 'BEGIN { print (b > 0 && a >= g * b) ? "true" : "false" }')
done
for t in "${TARGETS[@]}"; do
    (( ${NON2XX[$t]} > 0 )) && FAILURES+=("$t: ${NON2XX[$t]} non-2xx/3xx responses (warm-up included)")
    (( ${LOG_BAD[$t]} > 0 )) && FAILURES+=("$t: Ward logged ${LOG_BAD[$t]} requests with a status other than 2xx/3xx (warm-up included)")
    (( ${SOCKERR[$t]} > 0 )) && FAILURES+=("$t: ${SOCKERR[$t]} socket errors, warm-up included (first: ${SOCKERR_TEXT[$t]})")
done

print_table() {
    local t status sep
    printf '\nHTTP benchmark: wrk -t%d -c%d -d%ds --latency, %d runs per target, medians; %s CPUs\n' \
        "$THREADS" "$CONNECTIONS" "$DURATION" "$RUNS" "$CPUS"
    printf 'Ward %s at %s, nginx %s at %s, body %d bytes\n' \
        "${WARD_VERSION:-?}" "$WARD_URL" "${NGINX_VERSION:-?}" "$NGINX_URL" "$BODY_BYTES"
    printf 'load average (1 min) before: %s, after: %s (the second includes the load of the benchmark itself)\n\n' \
        "$LOAD_START" "$LOAD_END"
    printf '%-12s %-16s %14s %14s %14s\n' target path 'req/s (median)' 'p99 ms (median)' 'req/s vs nginx'
    for t in "${TARGETS[@]}"; do
        printf '%-12s %-16s %14.1f %14.3f %14s\n' "$t" "/${URL[$t]#http://127.0.0.1:*/}" \
            "${MED_RPS[$t]}" "${MED_P99[$t]}" "${RATIO[$t]}"
    done
    printf '\nper run req/s:\n'
    for t in "${TARGETS[@]}"; do
        printf '  %-12s %s\n' "$t" "${RPS[$t]% }"
    done
    printf 'per run p99 ms:\n'
    for t in "${TARGETS[@]}"; do
        printf '  %-12s %s\n' "$t" "${P99[$t]% }"
    done
    printf '\n'
    if (( ${#FAILURES[@]} > 0 )); then
        printf 'FAILURES:\n'
        printf '  %s\n' "${FAILURES[@]}"
    else
        printf 'errors: none (no non-2xx/3xx responses, no socket errors)\n'
    fi
    printf 'Ward access log: requests aborted by the client (wrk stopping; up to %d per run is normal; warm-up included):' "$CONNECTIONS"
    for t in ward-health ward-me; do printf ' %s %d' "$t" "${LOG_ABORTED[$t]}"; done
    printf '\n'
    if [[ -s $WARD_SUSPECT ]]; then
        printf 'Ward log lines other than the access log (count, line; at most 50 kept per run):\n'
        sort "$WARD_SUSPECT" | uniq -c | sort -rn | head -n 5 | cut -c1-160 | sed 's/^/  /'
    fi
    printf 'Goal: Ward at least half of nginx'"'"'s req/s (ratio >= %s): ' "$GOAL_RATIO"
    sep=
    for t in ward-health ward-me; do
        if [[ ${MET[$t]} == true ]]; then status=met; else status='NOT met'; fi
        printf '%s%s %s (%s)' "$sep" "$t" "$status" "${RATIO[$t]}"
        sep='; '
    done
    printf '\n'
}

# json_list "1.5 2.5 " -> [1.5, 2.5]

print_json() {
    local t first=1 f
    printf '{\n'
    printf '  "benchmark": "http",\n'
    printf '  "goal": "Ward at least half of nginx'"'"'s req/s",\n'
    printf '  "goal_ratio": %s,\n' "$GOAL_RATIO"
    printf '  "wrk": {"threads": %d, "connections": %d, "duration_s": %d, "runs": %d, "warmup_s": %d},\n' \
        "$THREADS" "$CONNECTIONS" "$DURATION" "$RUNS" "$WARMUP"
    printf '  "cpus": "%s",\n' "$CPUS"
    printf '  "loadavg_before": "%s",\n' "$LOAD_START"
    printf '  "loadavg_after": "%s",\n' "$LOAD_END"
    printf '  "ward_version": "%s",\n' "${WARD_VERSION:-}"
    printf '  "nginx_version": "%s",\n' "${NGINX_VERSION:-}"
    printf '  "body_bytes": %d,\n' "$BODY_BYTES"
    printf '  "targets": {\n'
    for t in "${TARGETS[@]}"; do
        (( first )) || printf ',\n'
        first=0
        printf '    "%s": {"path": "/%s", "rps": %s, "p99_ms": %s, "rps_median": %s, "p99_ms_median": %s, "rps_ratio_vs_nginx": %s, "goal_met": %s, "non_2xx": %d, "socket_errors": %d, "log_non_2xx": %d, "log_aborted": %d}' \
            "$t" "${URL[$t]#http://127.0.0.1:*/}" "$(json_list "${RPS[$t]}")" "$(json_list "${P99[$t]}")" \
            "${MED_RPS[$t]}" "${MED_P99[$t]}" "${RATIO[$t]}" "${MET[$t]}" "${NON2XX[$t]}" "${SOCKERR[$t]}" \
            "${LOG_BAD[$t]}" "${LOG_ABORTED[$t]}"
    done
    printf '\n  },\n'
    json_failures
}

finish_output
