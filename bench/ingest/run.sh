#!/usr/bin/env bash
# bench/ingest/run.sh - report ingestion: a simulated fleet of N hosts (default
# 2,000) enrolls with one Ward server on 127.0.0.1 and reports to it.
#
# Figures (goals in brackets):
#   first     the time to ingest every host's first report: every section, 2,000
#             packages each   [N = 2,000 hosts in under 60 s]
#   unchanged unchanged reports (digests only) per second, sustained for
#             --duration seconds, --runs times, median   [1,000/s or more]
#   db        the database size per host: ward.db + ward.db-wal after
#             PRAGMA wal_checkpoint(TRUNCATE), divided by N, right after the
#             first reports
# plus the enrollment time, latencies, the server's CPU use per phase, the
# simulator's own CPU use (it must not be the bottleneck), and a cross-check
# of the unchanged load with wrk and bench/ingest/report.lua.
#
# The simulator is bench/ingest/sim.c (C, libcurl keep-alive connections, one
# thread each), built here. Everything (Ward data dir, the simulator, host
# credentials) lives in one temporary directory that is removed on exit,
# Ctrl-C included. Only 127.0.0.1 is ever contacted.
#
# See bench/README.md for how to read the figures.

set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

usage() {
    cat <<'EOF'
Usage: bench/ingest/run.sh [--hosts N] [--packages P] [--conns C] [--duration S]
                           [--runs R] [--fresh-connections] [--no-wrk] [--profile] [--json]

Enrolls N simulated hosts with a Ward server started here, posts every
host's first report (all sections, P packages), then unchanged reports
(digests only) for S seconds, R times. Prints the time to ingest the first
reports (goal: 2,000 hosts in under 60 s), the unchanged reports per second
(goal: 1,000/s or more) and the database size per host.

Options:
  --hosts N        simulated hosts (default 2000)
  --packages P     packages per host (default 2000)
  --conns C        simulator connections (threads) for the reports (default 8)
  --enroll-conns C connections for the enrollment (default 1: see README)
  --duration S     seconds per measured unchanged-report run (default 10)
  --runs R         measured unchanged-report runs (default 3); the median counts
  --fresh-connections
                   the simulator opens a new connection for every request, as
                   agents do, instead of keeping C connections open (see README)
  --no-wrk         skip the wrk cross-check of the unchanged load
  --profile        after the measurements, profile the server while it takes
                   more first reports (100 extra hosts) and unchanged reports
                   (5 s), twice: CPU by library and function (perf record with DWARF call graphs),
                   then time in system calls (perf trace -s); needs perf. Not
                   counted in the figures.
  --json           print the figures as JSON on stdout (the table then goes
                   to stderr)
  -h, --help       this text

Environment:
  WARD_BIN    the ward binary (default: <repo>/build/ward); it is copied into
              the temporary directory first
  CC          C compiler for the simulator (default: cc)
  TMPDIR      where the temporary directory is made (default /tmp)

Exit status: 0 when every request got the expected answer (whether or not
the goals were met), 1 on any failure: an error or unexpected reply from the
server, a server that died, or a setup problem.
EOF
}

# ---------------------------------------------------------------- settings
HOSTS=2000
PACKAGES=2000
CONNS=8
ENROLL_CONNS=1
DURATION=10
RUNS=3
WARMUP=2
USE_WRK=1
FRESH=()
PROFILE=0
JSON=0
PROFILE_HOSTS=100
GOAL_FIRST_S=60          # for 2,000 hosts; scaled linearly for other --hosts
GOAL_FIRST_HOSTS=2000
GOAL_UNCHANGED_RPS=1000


while (( $# > 0 )); do
    case $1 in
        --hosts)        (( $# >= 2 )) || die "--hosts needs a value"; HOSTS=$2; shift 2 ;;
        --hosts=*)      HOSTS=${1#*=}; shift ;;
        --packages)     (( $# >= 2 )) || die "--packages needs a value"; PACKAGES=$2; shift 2 ;;
        --packages=*)   PACKAGES=${1#*=}; shift ;;
        --conns)        (( $# >= 2 )) || die "--conns needs a value"; CONNS=$2; shift 2 ;;
        --conns=*)      CONNS=${1#*=}; shift ;;
        --enroll-conns) (( $# >= 2 )) || die "--enroll-conns needs a value"; ENROLL_CONNS=$2; shift 2 ;;
        --enroll-conns=*) ENROLL_CONNS=${1#*=}; shift ;;
        --duration)     (( $# >= 2 )) || die "--duration needs a value"; DURATION=$2; shift 2 ;;
        --duration=*)   DURATION=${1#*=}; shift ;;
        --runs)         (( $# >= 2 )) || die "--runs needs a value"; RUNS=$2; shift 2 ;;
        --runs=*)       RUNS=${1#*=}; shift ;;
        --no-wrk)       USE_WRK=0; shift ;;
        --fresh-connections) FRESH=(--fresh-connections); shift ;;
        --profile)      PROFILE=1; shift ;;
        --json)         JSON=1; shift ;;
        -h|--help)      usage; exit 0 ;;
        *)              usage >&2; die "unknown argument: $1" ;;
    esac
done
DURATION=${DURATION%s}
for v in HOSTS PACKAGES CONNS ENROLL_CONNS DURATION RUNS; do
    is_posint "${!v}" || die "--$(tr 'A-Z_' 'a-z-' <<<"$v") must be a positive whole number, not '${!v}'"
    printf -v "$v" '%d' "$((10#${!v}))"
done
(( HOSTS <= 100000 )) || die "--hosts must be at most 100000 (an enrollment token's --uses limit)"
(( PACKAGES >= 100 )) || die "--packages must be at least 100"
(( CONNS <= 256 && ENROLL_CONNS <= 256 )) || die "--conns and --enroll-conns must be at most 256"
GOAL_FIRST_SCALED=$(awk -v g="$GOAL_FIRST_S" -v n="$HOSTS" -v b="$GOAL_FIRST_HOSTS" 'BEGIN { printf "%.1f", g * n / b }')

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)
WARD_SRC=${WARD_BIN:-$REPO/build/ward}
FIXTURE=$REPO/tests/fixtures/debian12
CC=${CC:-cc}

# ------------------------------------------------------------ dependencies
missing_pkgs=()
command -v "$CC" >/dev/null 2>&1 || missing_pkgs+=(gcc)
command -v sqlite3 >/dev/null 2>&1 || missing_pkgs+=(sqlite3)
[[ -f /usr/include/curl/curl.h || -f /usr/include/x86_64-linux-gnu/curl/curl.h ]] || missing_pkgs+=(libcurl4-openssl-dev)
[[ -f /usr/include/jansson.h ]] || missing_pkgs+=(libjansson-dev)
[[ -f /usr/include/openssl/evp.h ]] || missing_pkgs+=(libssl-dev)
if (( USE_WRK )) && ! command -v wrk >/dev/null 2>&1; then missing_pkgs+=(wrk); fi
if (( PROFILE )) && ! command -v perf >/dev/null 2>&1; then missing_pkgs+=(linux-perf); fi
if (( ${#missing_pkgs[@]} > 0 )); then
    sudo=
    (( EUID != 0 )) && sudo='sudo '
    log "run.sh: missing: ${missing_pkgs[*]}. Install with:"
    log "    ${sudo}apt-get install -y ${missing_pkgs[*]}"
    (( USE_WRK )) && log "(or pass --no-wrk to skip the wrk cross-check)"
    exit 1
fi
[[ -x $WARD_SRC ]] || die "no ward binary at $WARD_SRC (build it first, or set WARD_BIN)"
[[ -d $FIXTURE ]] || die "missing fixture tree $FIXTURE"
[[ -f $SCRIPT_DIR/sim.c && -f $SCRIPT_DIR/report.lua ]] || die "missing sim.c or report.lua next to run.sh"

# ------------------------------------------------------- temp dir, cleanup
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ward-bench-ingest.XXXXXX")
WARD_PID=
BG_PIDS=()


# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    local p
    for p in "${BG_PIDS[@]}"; do stop_pid "$p" INT 10; done
    BG_PIDS=()
    if [[ -n $WARD_PID ]]; then stop_pid "$WARD_PID" TERM 10; WARD_PID=; fi
    rm -rf -- "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP


# read_kv FILE PREFIX: key=value lines of FILE into the array KV, keys prefixed.
declare -A KV
read_kv() {
    local k v
    while IFS='=' read -r k v; do
        [[ $k =~ ^[a-z0-9_]+$ ]] || continue
        if [[ $k == *_error ]]; then
            KV[$2$k]+="${KV[$2$k]:+$'\n'}$v"
        else
            KV[$2$k]=$v
        fi
    done <"$1"
}

CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
# threads_cpu: "TID NAME TICKS" for each of the server's threads (user + system).
threads_cpu() {
    local t
    for t in /proc/"$WARD_PID"/task/*; do
        [[ -r $t/stat ]] || continue
        awk -v tid="${t##*/}" '{ n = $0; sub(/^[^(]*\(/, "", n); sub(/\) [A-Z] .*$/, "", n); gsub(/[^A-Za-z0-9_.-]/, "_", n)
            c = $0; sub(/^.*\) /, "", c); split(c, f, " "); print tid, n, f[12] + f[13] }' "$t/stat" 2>/dev/null || true
    done
}
# threads_delta BEFORE AFTER: the CPU seconds of each thread in between, busiest
# first, threads under 0.05 s left out ("MHD-worker 30.1 s, MHD-worker 3.9 s").
threads_delta() {
    awk -v hz="$CLK_TCK" 'NR == FNR { b[$1] = $3; next }
        { d = ($3 - b[$1]) / hz; if (d >= 0.05) printf "%.2f %s\n", d, $2 }' "$1" "$2" |
        sort -g -r | awk '{ printf "%s%s %.1f s", sep, $2, $1; sep = ", " } END { if (!NR) printf "-" }'
}
# server_cpu: the server's user + system CPU so far, in seconds.
server_cpu() {
    awk -v hz="$CLK_TCK" '{ sub(/^.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz }' "/proc/$WARD_PID/stat"
}

# ------------------------------------------------------------------ setup
log "== setup"
WARD=$TMP/ward
cp "$WARD_SRC" "$WARD"
SIM=$TMP/sim
"$CC" -O2 -Wall -pthread -o "$SIM" "$SCRIPT_DIR/sim.c" -lcurl -ljansson -lcrypto 2>"$TMP/cc.log" ||
    { cat "$TMP/cc.log" >&2; die "cannot build sim.c"; }
log "ward:      $WARD_SRC (copied to $WARD)"

DATA=$TMP/data
mkdir -m 700 "$DATA"
( umask 077; printf 'bench-%s%s%s\n' "$RANDOM" "$RANDOM" "$RANDOM" >"$TMP/admin-password" )
"$WARD" --data "$DATA" init --admin admin --admin-password-file "$TMP/admin-password" \
    >"$TMP/init.log" 2>&1 </dev/null || { cat "$TMP/init.log" >&2; die "ward init failed"; }
TEMPLATE=$TMP/inventory.json
"$WARD" inventory --root "$FIXTURE" --json >"$TEMPLATE" 2>"$TMP/inventory.err" </dev/null ||
    { cat "$TMP/inventory.err" >&2; die "ward inventory --root $FIXTURE failed"; }

SERVER_LOG=$TMP/server.log
"$WARD" --data "$DATA" serve --listen 127.0.0.1:0 --access-log off >"$TMP/server.stdout" 2>"$SERVER_LOG" </dev/null &
WARD_PID=$!
wait_listening "$SERVER_LOG" "$WARD_PID"
URL=$LISTEN_URL
tasks=("/proc/$WARD_PID/task/"*)
SERVER_THREADS=${#tasks[@]}
log "server:    $URL (pid $WARD_PID, $SERVER_THREADS threads)"

check_server() {
    if ! kill -0 "$WARD_PID" 2>/dev/null; then
        WARD_PID=
        tail -n 20 "$SERVER_LOG" >&2 || true
        die "ward serve died during the benchmark"
    fi
}

# db_bytes: ward.db + ward.db-wal after a TRUNCATE checkpoint.
db_bytes() {
    local out busy tries
    for (( tries = 0; tries < 10; tries++ )); do
        out=$(sqlite3 -cmd '.timeout 10000' "$DATA/ward.db" 'PRAGMA wal_checkpoint(TRUNCATE)' 2>&1) ||
            die "sqlite3 checkpoint failed: $out"
        busy=${out%%|*}
        [[ $busy == 0 ]] && break
        sleep 0.5
    done
    [[ $busy == 0 ]] || log "warning: the checkpoint stayed busy ($out); the WAL is counted as it is"
    local db wal=0
    db=$(stat -c %s "$DATA/ward.db")
    [[ -f $DATA/ward.db-wal ]] && wal=$(stat -c %s "$DATA/ward.db-wal")
    printf '%d\n' $(( db + wal ))
}

# new_token USES: an enrollment token (first line of the output).
new_token() {
    "$WARD" --data "$DATA" host enroll-token --uses "$1" --expires 24h >"$TMP/token.out" 2>&1 </dev/null ||
        { cat "$TMP/token.out" >&2; die "ward host enroll-token failed"; }
    local t
    t=$(head -n 1 "$TMP/token.out")
    [[ $t == wardenroll_* ]] || { cat "$TMP/token.out" >&2; die "no enrollment token on the first line of 'ward host enroll-token'"; }
    printf '%s\n' "$t"
}

FAILURES=()
CPUS=$(nproc 2>/dev/null || echo '?')
LOAD_START=$(loadavg)
DB_EMPTY=$(db_bytes)

# ------------------------------------------------------------- enrollment
log
log "== enrolling $HOSTS hosts ($ENROLL_CONNS connection(s))"
TOKEN=$(new_token "$HOSTS")
"$SIM" enroll --url "$URL" --token "$TOKEN" --hosts "$HOSTS" --out "$TMP/creds.tsv" --conns "$ENROLL_CONNS" \
    >"$TMP/enroll.kv" 2>"$TMP/enroll.err" || { cat "$TMP/enroll.err" >&2; die "sim enroll failed"; }
check_server
read_kv "$TMP/enroll.kv" ''
ENROLLED=$(wc -l <"$TMP/creds.tsv")
[[ ${KV[enroll_errors]} == 0 ]] || FAILURES+=("enrollment: ${KV[enroll_errors]} errors: ${KV[enroll_error]:-}")
(( ENROLLED == HOSTS )) || die "only $ENROLLED of $HOSTS hosts enrolled: ${KV[enroll_error]:-}"
log "$(printf 'enrolled %d hosts in %.1f s (%.0f/s; p50 %.1f ms, p99 %.1f ms)' "$ENROLLED" "${KV[enroll_seconds]}" \
    "${KV[enroll_rate]}" "${KV[enroll_lat_p50_ms]}" "${KV[enroll_lat_p99_ms]}")"

# ---------------------------------------------------------- first reports
log
log "== first reports: $HOSTS hosts x $PACKAGES packages, $CONNS connections"
c0=$(server_cpu)
threads_cpu >"$TMP/threads-first-0"
"$SIM" first --url "$URL" --creds "$TMP/creds.tsv" --template "$TEMPLATE" --packages "$PACKAGES" \
    --out "$TMP/bodies.tsv" --conns "$CONNS" "${FRESH[@]}" >"$TMP/first.kv" 2>"$TMP/first.err" ||
    { cat "$TMP/first.err" >&2; die "sim first failed"; }
c1=$(server_cpu)
threads_cpu >"$TMP/threads-first-1"
check_server
FIRST_THREADS=$(threads_delta "$TMP/threads-first-0" "$TMP/threads-first-1")
grep '^sim:' "$TMP/first.err" >&2 || true
read_kv "$TMP/first.kv" ''
FIRST_SERVER_CPU=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')
[[ ${KV[first_errors]} == 0 ]] || FAILURES+=("first reports: ${KV[first_errors]} errors or unexpected replies: ${KV[first_error]:-}")
FIRST_BODY_KB=$(awk -v b="${KV[first_bytes_sent]}" -v n="${KV[first_requests]}" 'BEGIN { printf "%.0f", n ? b / n / 1024 : 0 }')
log "$(printf 'first reports: %d of %d ok in %.1f s (%.1f hosts/s; p50 %.0f ms, p99 %.0f ms); server CPU %.1f s; simulator CPU %.1f s' \
    "${KV[first_ok]}" "$HOSTS" "${KV[first_seconds]}" "${KV[first_rate]}" "${KV[first_lat_p50_ms]}" \
    "${KV[first_lat_p99_ms]}" "$FIRST_SERVER_CPU" "${KV[first_sim_cpu_seconds]}")"
log "               server threads: $FIRST_THREADS"

DB_AFTER=$(db_bytes)
DB_PER_HOST=$(( DB_AFTER / HOSTS ))
DB_TABLES=$(sqlite3 -cmd '.timeout 10000' "$DATA/ward.db" \
    "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 4" 2>/dev/null |
    awk -F'|' -v n="$HOSTS" '{ printf "%s%s %.1f KiB/host", sep, $1, $2 / n / 1024; sep = ", " }' || true)
log "$(printf 'database: %d bytes after the first reports (%d before any host): %.1f KiB per host' \
    "$DB_AFTER" "$DB_EMPTY" "$(awk -v b="$DB_PER_HOST" 'BEGIN { print b / 1024 }')")"
# Let the kernel write back what the first reports left in the page cache, so
# that the unchanged reports' fsyncs do not queue behind it.
sync -f "$DATA/ward.db" 2>/dev/null || sync
sleep 2

# ------------------------------------------------------ unchanged reports
log
log "== unchanged reports: $CONNS connections, ${WARMUP}s warm-up + ${DURATION}s, $RUNS runs"
UN_RATES=
UN_P99=
UN_SERVER=
UN_SIM=
declare -A UN_THREADS
for (( r = 1; r <= RUNS; r++ )); do
    c0=$(server_cpu)
    threads_cpu >"$TMP/threads-un-0"
    "$SIM" unchanged --url "$URL" --bodies "$TMP/bodies.tsv" --duration "$DURATION" --warmup "$WARMUP" \
        --conns "$CONNS" "${FRESH[@]}" >"$TMP/unchanged-$r.kv" 2>"$TMP/unchanged-$r.err" ||
        { cat "$TMP/unchanged-$r.err" >&2; die "sim unchanged failed"; }
    c1=$(server_cpu)
    threads_cpu >"$TMP/threads-un-1"
    check_server
    UN_THREADS[$r]=$(threads_delta "$TMP/threads-un-0" "$TMP/threads-un-1")
    read_kv "$TMP/unchanged-$r.kv" "run$r:"
    p="run$r:unchanged"
    [[ ${KV[${p}_errors]} == 0 ]] || FAILURES+=("unchanged reports, run $r: ${KV[${p}_errors]} errors or unexpected replies (warm-up included): ${KV[${p}_error]:-}")
    # the server's CPU over the whole run (warm-up included), per second
    scpu=$(awk -v a="$c0" -v b="$c1" -v d="$(( DURATION + WARMUP ))" 'BEGIN { printf "%.0f", 100 * (b - a) / d }')
    UN_RATES+="${KV[${p}_rate]} "
    UN_P99+="${KV[${p}_lat_p99_ms]} "
    UN_SERVER+="$scpu "
    UN_SIM+="${KV[${p}_sim_cpu_percent]} "
    log "$(printf 'run %d/%d  %8.1f reports/s  p50 %6.2f ms  p99 %7.2f ms  max %7.1f ms  server CPU %3d%%  simulator CPU %4.1f%%  (%s)' \
        "$r" "$RUNS" "${KV[${p}_rate]}" "${KV[${p}_lat_p50_ms]}" "${KV[${p}_lat_p99_ms]}" "${KV[${p}_lat_max_ms]}" \
        "$scpu" "${KV[${p}_sim_cpu_percent]}" "${KV[${p}_statuses]}")"
    log "          server threads: ${UN_THREADS[$r]}"
done
read -r -a v <<<"$UN_RATES"; UN_RATE=$(median "${v[@]}")
read -r -a v <<<"$UN_P99"; UN_P99_MED=$(median "${v[@]}")
read -r -a v <<<"$UN_SERVER"; UN_SERVER_MED=$(median "${v[@]}")
read -r -a v <<<"$UN_SIM"; UN_SIM_MED=$(median "${v[@]}")
UN_BODY=$(awk -F'\t' 'NR == 1 { print length($2) }' "$TMP/bodies.tsv")

# ---------------------------------------------------------------- wrk
WRK_RATE=
WRK_P99=
if (( USE_WRK )); then
    log
    log "== cross-check: wrk -t2 -c$CONNS -d${DURATION}s with report.lua"
    out=$TMP/wrk.txt
    if ! wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$SCRIPT_DIR/report.lua" "$URL/api/v1/agent/report" \
            -- "$TMP/bodies.tsv" >"$out" 2>&1; then
        cat "$out" >&2
        die "wrk failed"
    fi
    check_server
    WRK_RATE=$(awk '$1 == "Requests/sec:" { print $2 }' "$out")
    WRK_P99=$(awk '$1 == "99%" { v = $2; f = 0
            if (v ~ /us$/) { sub(/us$/, "", v); f = 0.001 } else if (v ~ /ms$/) { sub(/ms$/, "", v); f = 1 }
            else if (v ~ /s$/) { sub(/s$/, "", v); f = 1000 }
            printf "%.2f", v * f; exit }' "$out")
    n=$(awk -F= '/^lua_non200=/ { print $2 }' "$out")
    e=$(awk '/^lua_first_error=/ { sub(/^lua_first_error=/, ""); print }' "$out")
    s=$(awk '/Socket errors:/ { sub(/^[ \t]+/, ""); print }' "$out")
    (( ${n:-0} == 0 )) || FAILURES+=("wrk: $n replies other than 200 (first: ${e:0:300})")
    [[ -z $s ]] || FAILURES+=("wrk: $s")
    [[ -n $WRK_RATE ]] || { cat "$out" >&2; die "no Requests/sec in wrk's output"; }
    log "$(printf 'wrk: %s reports/s%s' "$WRK_RATE" "${s:+, $s}")"
fi

# ------------------------------------------------------------ profiling
PROFILE_TEXT=
if (( PROFILE )); then
    log
    log "== profiling the server (not counted): perf record, then perf trace, each over $PROFILE_HOSTS more first reports and 5 s of unchanged reports"
    # profile_phase TOOL NAME COMMAND...: runs COMMAND while perf (record: CPU
    # samples with call graphs; trace: time in system calls) watches the server.
    # One tool at a time: perf trace's tracepoints would show up in the samples.
    profile_phase() {
        local tool=$1 name=$2 pid
        shift 2
        if [[ $tool == record ]]; then
            perf record -F 499 --call-graph dwarf,16384 -p "$WARD_PID" -o "$TMP/perf-$name.data" >/dev/null 2>"$TMP/perf-$name.err" &
        else
            perf trace -s -p "$WARD_PID" -o "$TMP/trace-$name.txt" >/dev/null 2>"$TMP/trace-$name.err" &
        fi
        pid=$!
        BG_PIDS=("$pid")
        sleep 1
        "$@" >"$TMP/profile-$tool-$name.kv" 2>>"$TMP/profile-$tool-$name.err" || true
        stop_pid "$pid" INT 10
        BG_PIDS=()
        check_server
        {
            if [[ $tool == record ]]; then
                printf -- '-- %s reports: server CPU by library (perf record, %% of samples)\n' "$name"
                perf report -i "$TMP/perf-$name.data" --no-children --stdio --sort dso 2>/dev/null |
                    awk '/^ +[0-9.]+%/ && n++ < 6 { print "   " $0 }' || true
                printf -- '-- %s reports: where the server CPU goes (%% of samples in the function and what it calls, %% in the function itself)\n' "$name"
                perf report -i "$TMP/perf-$name.data" --children --stdio --sort sym -g none 2>/dev/null |
                    awk '/^ +[0-9.]+%/ && !/\] 0x/ && !/ (clone3|start_thread|MHD_|on_request|router_dispatch)/ && n++ < 22 { print "   " $0 }' || true
            else
                printf -- '-- %s reports: time in system calls per request thread (perf trace -s; top 6 by time)\n' "$name"
                awk '/^ .+ \([0-9]+\), [0-9]+ events/ { t = $0; sub(/^ +/, "", t); sub(/,.*/, "", t); next }
                     t ~ /MHD/ && $1 ~ /^[a-z_0-9]+$/ && $2 ~ /^[0-9]+$/ && NF >= 8 { print t "\t" $1 "\t" $2 "\t" $4 }' \
                    "$TMP/trace-$name.txt" 2>/dev/null | sort -t"$(printf '\t')" -k1,1 -k4,4gr |
                    awk -F'\t' '$1 != last { last = $1; n = 0; printf "   %s:\n", $1 }
                                n++ < 6 { printf "      %-16s %8d calls %10.1f ms\n", $2, $3, $4 }' || true
            fi
            sed -n 's/^\(first\|unchanged\)_\(rate\|seconds\)=/   (under perf '"$tool"') &/p' \
                "$TMP/profile-$tool-$name.kv" || true
        } >>"$TMP/profile.txt"
    }
    for tool in record trace; do
        TOKEN2=$(new_token "$PROFILE_HOSTS")
        "$SIM" enroll --url "$URL" --token "$TOKEN2" --hosts "$PROFILE_HOSTS" --out "$TMP/creds-$tool.tsv" --conns 1 \
            >/dev/null 2>"$TMP/enroll-$tool.err" || { cat "$TMP/enroll-$tool.err" >&2; die "sim enroll (profile) failed"; }
        # (sim names hosts by index: these share names with the first ones, which is allowed)
        profile_phase "$tool" first "$SIM" first --url "$URL" --creds "$TMP/creds-$tool.tsv" --template "$TEMPLATE" \
            --packages "$PACKAGES" --out "$TMP/bodies-$tool.tsv" --conns "$CONNS"
        profile_phase "$tool" unchanged "$SIM" unchanged --url "$URL" --bodies "$TMP/bodies.tsv" \
            --duration 5 --warmup 0 --conns "$CONNS"
    done
    PROFILE_TEXT=$(cat "$TMP/profile.txt")
fi

# ---------------------------------------------------------------- results
LOAD_END=$(loadavg)
if grep -qiE 'error|fail|warn|abort|assert|busy|locked' "$SERVER_LOG"; then
    FAILURES+=("the server logged: $(awk 'tolower($0) ~ /error|fail|warn|abort|assert|busy|locked/ && n++ < 3 { printf "%s ", $0 }' "$SERVER_LOG")")
fi
FIRST_MET=$(awk -v a="${KV[first_seconds]}" -v g="$GOAL_FIRST_SCALED" -v ok="${KV[first_ok]}" -v n="$HOSTS" \
    'BEGIN { print (ok == n && a < g) ? "true" : "false" }')
UN_MET=$(awk -v a="$UN_RATE" -v g="$GOAL_UNCHANGED_RPS" 'BEGIN { print (a >= g) ? "true" : "false" }')
FIRST_CPU_PER=$(awk -v c="$FIRST_SERVER_CPU" -v n="${KV[first_requests]}" 'BEGIN { printf "%.1f", n ? 1000 * c / n : 0 }')
FIRST_CPU_USE=$(awk -v c="$FIRST_SERVER_CPU" -v s="${KV[first_seconds]}" 'BEGIN { printf "%.0f", s ? 100 * c / s : 0 }')
WARD_VERSION=$("$WARD" --version 2>/dev/null | head -n 1 | sed 's/^ward //' || true)
if (( ${#FRESH[@]} )); then CONN_KIND='simulator threads, a new connection per request'; else CONN_KIND='keep-alive connections'; fi
metword() { if [[ $1 == true ]]; then printf 'met'; else printf 'NOT met'; fi; }

print_table() {
    printf '\nIngest benchmark: %d hosts, %d packages each, %d %s; %s CPUs; Ward %s, %d server threads\n' \
        "$HOSTS" "$PACKAGES" "$CONNS" "$CONN_KIND" "$CPUS" "${WARD_VERSION:-?}" "$SERVER_THREADS"
    printf 'load average (1 min) before: %s, after: %s\n\n' "$LOAD_START" "$LOAD_END"
    printf '%-46s %16s   %-22s %s\n' figure value goal status
    printf '%-46s %14.1f s   %-22s %s\n' "first reports, all $HOSTS hosts" "${KV[first_seconds]}" \
        "< $GOAL_FIRST_SCALED s" "$(metword "$FIRST_MET")"
    printf '%-46s %12.1f /s   %-22s %s\n' "unchanged reports (median of $RUNS x ${DURATION}s)" "$UN_RATE" \
        ">= $GOAL_UNCHANGED_RPS /s" "$(metword "$UN_MET")"
    printf '%-46s %12.1f KiB   %-22s %s\n' 'database per host (ward.db + wal)' \
        "$(awk -v b="$DB_PER_HOST" 'BEGIN { print b / 1024 }')" '(none)' ''
    printf '\nfirst reports:  %.1f hosts/s, %d KiB per report; latency p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms\n' \
        "${KV[first_rate]}" "$FIRST_BODY_KB" "${KV[first_lat_p50_ms]}" "${KV[first_lat_p90_ms]}" \
        "${KV[first_lat_p99_ms]}" "${KV[first_lat_max_ms]}"
    printf '                server CPU %.2f s = %.1f ms per report, %s%% of one core on average; simulator CPU %.2f s (%.1f%% of one core; %.2f s building reports)\n' \
        "$FIRST_SERVER_CPU" "$FIRST_CPU_PER" "$FIRST_CPU_USE" "${KV[first_sim_cpu_seconds]}" \
        "${KV[first_sim_cpu_percent]}" "${KV[first_gen_cpu_seconds]}"
    printf '                server CPU by thread: %s\n' "$FIRST_THREADS"
    printf 'unchanged:      per run reports/s: %s; p99 ms: %s (median %.2f); report %d bytes\n' "${UN_RATES% }" \
        "${UN_P99% }" "$UN_P99_MED" "$UN_BODY"
    printf '                server CPU (%% of one core) per run: %s (median %.0f); simulator CPU (%% of one core): %s (median %.1f)\n' \
        "${UN_SERVER% }" "$UN_SERVER_MED" "${UN_SIM% }" "$UN_SIM_MED"
    for (( r = 1; r <= RUNS; r++ )); do
        printf '                run %d server CPU by thread: %s\n' "$r" "${UN_THREADS[$r]}"
    done
    if [[ -n $WRK_RATE ]]; then
        printf '                wrk cross-check (-t2 -c%d -d%ds, report.lua): %s reports/s (throughput only: see README)\n' \
            "$CONNS" "$DURATION" "$WRK_RATE"
    fi
    printf 'enrollment:     %d hosts in %.1f s (%.0f/s, %d connection(s); p50 %.1f ms, p99 %.1f ms)\n' \
        "$HOSTS" "${KV[enroll_seconds]}" "${KV[enroll_rate]}" "$ENROLL_CONNS" "${KV[enroll_lat_p50_ms]}" "${KV[enroll_lat_p99_ms]}"
    printf 'database:       %d bytes before any host, %d after the first reports; largest: %s\n' \
        "$DB_EMPTY" "$DB_AFTER" "${DB_TABLES:-?}"
    printf '\n'
    if (( ${#FAILURES[@]} > 0 )); then
        printf 'FAILURES:\n'
        printf '  %s\n' "${FAILURES[@]}"
    else
        printf 'errors: none (every enrollment 201, every report 200 with the expected stored/unchanged/need)\n'
    fi
    if [[ -n $PROFILE_TEXT ]]; then
        printf '\nprofile of the server (extra phases, not counted above; the profilers slow the server down):\n%s\n' "$PROFILE_TEXT"
    elif [[ $FIRST_MET != true || $UN_MET != true ]]; then
        printf 'a goal was missed: rerun with --profile to see where the server spends its time\n'
    fi
}

print_json() {
    printf '{\n  "benchmark": "ingest",\n  "hosts": %d,\n  "packages": %d,\n  "conns": %d,\n  "fresh_connections": %s,\n  "cpus": "%s",\n' \
        "$HOSTS" "$PACKAGES" "$CONNS" "$( (( ${#FRESH[@]} )) && echo true || echo false)" "$CPUS"
    printf '  "loadavg_before": "%s",\n  "loadavg_after": "%s",\n' "$LOAD_START" "$LOAD_END"
    printf '  "enroll": {"seconds": %s, "rate": %s, "p50_ms": %s, "p99_ms": %s, "conns": %d},\n' \
        "${KV[enroll_seconds]}" "${KV[enroll_rate]}" "${KV[enroll_lat_p50_ms]}" "${KV[enroll_lat_p99_ms]}" "$ENROLL_CONNS"
    printf '  "first": {"seconds": %s, "ok": %s, "rate": %s, "p50_ms": %s, "p99_ms": %s, "max_ms": %s, "report_kib": %s, "server_cpu_s": %s, "server_threads_cpu": %s, "sim_cpu_s": %s, "goal_s": %s, "goal_met": %s},\n' \
        "${KV[first_seconds]}" "${KV[first_ok]}" "${KV[first_rate]}" "${KV[first_lat_p50_ms]}" "${KV[first_lat_p99_ms]}" \
        "${KV[first_lat_max_ms]}" "$FIRST_BODY_KB" "$FIRST_SERVER_CPU" "$(json_str "$FIRST_THREADS")" "${KV[first_sim_cpu_seconds]}" \
        "$GOAL_FIRST_SCALED" "$FIRST_MET"
    printf '  "unchanged": {"rates": %s, "rate_median": %s, "p99_ms": %s, "p99_ms_median": %s, "server_cpu_percent": %s, "sim_cpu_percent": %s, "goal_rps": %d, "goal_met": %s, "wrk_rate": %s, "wrk_p99_ms": %s},\n' \
        "$(json_list "$UN_RATES")" "$UN_RATE" "$(json_list "$UN_P99")" "$UN_P99_MED" "$(json_list "$UN_SERVER")" \
        "$(json_list "$UN_SIM")" "$GOAL_UNCHANGED_RPS" "$UN_MET" "${WRK_RATE:-null}" "${WRK_P99:-null}"
    printf '  "db": {"bytes_empty": %d, "bytes_after_first": %d, "bytes_per_host": %d},\n' "$DB_EMPTY" "$DB_AFTER" "$DB_PER_HOST"
    json_failures
}

finish_output
