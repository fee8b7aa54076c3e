#!/usr/bin/env bash
# bench/agent/run.sh - the agent's footprint: peak RSS and CPU time of one
# `ward agent run --once`, against a real Ward server on 127.0.0.1.
#
# Targets, each run --runs times (default 5), interleaved, medians reported:
#   root-first        agent run --once --root /      first report (fresh enrollment: every section)
#   root-unchanged    agent run --once --root /      the next report (only what changed since)
#   tree-first        agent run --once --root TREE   first report, TREE = tests/fixtures/debian12
#                                                    with a generated 3,000-package dpkg status
#   tree-unchanged    agent run --once --root TREE   the next report (nothing changed: digests only)
#   inventory         ward inventory --root TREE --json >/dev/null   (no server)
#   dpkg-query        dpkg-query --admindir=TREE/var/lib/dpkg -W >/dev/null   (the peer)
#   baseline          ward --version: the floor of any ward process (start-up and
#                     its shared libraries), for reading the RSS figures
#
# Everything (Ward data dir, agent state dirs, the fixture tree) lives in one
# temporary directory that is removed on exit, Ctrl-C included. The server
# listens on 127.0.0.1 only; nothing else is contacted.
#
# See bench/README.md for how to read the figures.

set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

usage() {
    cat <<'EOF'
Usage: bench/agent/run.sh [--runs N] [--packages N] [--json]

Measures peak RSS (GNU time's "Maximum resident set size") and CPU time
(user + sys) of `ward agent run --once` against a Ward server started here:
on this machine (--root /) and on a fixture tree with a generated dpkg
status of 3,000 packages, for the first report (all sections) and for the
next one (unchanged). Also `ward inventory --root TREE --json` alone, and
`dpkg-query -W` on the same status file as the peer for reading the package
database, and `ward --version` as the floor of any ward process. Goals:
agent run --once under 10 MiB RSS and under 100 ms CPU.

Options:
  --runs N       measured runs per target (default 5); the median is reported
  --packages N   packages in the generated status file (default 3000)
  --json         print the figures as JSON on stdout (the table then goes
                 to stderr)
  -h, --help     this text

Environment:
  WARD_BIN    the ward binary (default: <repo>/build/ward); it is copied
              into the temporary directory first, so a rebuild during the
              run does not matter
  CC          the C compiler for the small rusage helper (default: cc)
  TMPDIR      where the temporary directory is made (default /tmp)

Exit status: 0 when every run succeeded (whether or not the goals were met),
1 on any failure: a command that failed, a report that was not delivered,
a server that died, or a setup problem.
EOF
}

# ---------------------------------------------------------------- settings
RUNS=5
PACKAGES=3000
JSON=0
GOAL_RSS_KB=10240      # 10 MiB
GOAL_CPU_MS=100
TARGETS=(root-first root-unchanged tree-first tree-unchanged inventory dpkg-query baseline)
AGENT_TARGETS=(root-first root-unchanged tree-first tree-unchanged)


while (( $# > 0 )); do
    case $1 in
        --runs)       (( $# >= 2 )) || die "--runs needs a value"; RUNS=$2; shift 2 ;;
        --runs=*)     RUNS=${1#*=}; shift ;;
        --packages)   (( $# >= 2 )) || die "--packages needs a value"; PACKAGES=$2; shift 2 ;;
        --packages=*) PACKAGES=${1#*=}; shift ;;
        --json)       JSON=1; shift ;;
        -h|--help)    usage; exit 0 ;;
        *)            usage >&2; die "unknown argument: $1" ;;
    esac
done
is_posint "$RUNS" || die "--runs must be a positive whole number, not '$RUNS'"
is_posint "$PACKAGES" || die "--packages must be a positive whole number, not '$PACKAGES'"
RUNS=$((10#$RUNS))
PACKAGES=$((10#$PACKAGES))
(( PACKAGES >= 40 )) || die "--packages must be at least 40 (the fixture's own packages)"

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)
WARD_SRC=${WARD_BIN:-$REPO/build/ward}
FIXTURE=$REPO/tests/fixtures/debian12
CC=${CC:-cc}

# ------------------------------------------------------------ dependencies
missing_pkgs=()
[[ -x /usr/bin/time ]] || missing_pkgs+=(time)
command -v python3 >/dev/null 2>&1 || missing_pkgs+=(python3)
command -v dpkg-query >/dev/null 2>&1 || missing_pkgs+=(dpkg)
command -v "$CC" >/dev/null 2>&1 || missing_pkgs+=(gcc)
if (( ${#missing_pkgs[@]} > 0 )); then
    sudo=
    (( EUID != 0 )) && sudo='sudo '
    log "run.sh: missing: ${missing_pkgs[*]}. Install with:"
    log "    ${sudo}apt-get install -y ${missing_pkgs[*]}"
    exit 1
fi
time_out=$(/usr/bin/time -v true 2>&1 || true)
[[ $time_out == *'Maximum resident set size'* ]] ||
    die "/usr/bin/time is not GNU time (no 'Maximum resident set size' with -v); apt-get install -y time"
[[ -x $WARD_SRC ]] || die "no ward binary at $WARD_SRC (build it first, or set WARD_BIN)"
[[ -d $FIXTURE/var/lib/dpkg ]] || die "missing fixture tree $FIXTURE"
[[ -f $SCRIPT_DIR/gen-status.py && -f $SCRIPT_DIR/rusage.c ]] || die "missing gen-status.py or rusage.c next to run.sh"

# ------------------------------------------------------- temp dir, cleanup
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ward-bench-agent.XXXXXX")
WARD_PID=


# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
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


# ------------------------------------------------------------------ setup
log "== setup"
WARD=$TMP/ward
cp "$WARD_SRC" "$WARD"
log "ward:       $WARD_SRC (copied to $WARD)"
RUSAGE=$TMP/rusage
"$CC" -O2 -Wall -o "$RUSAGE" "$SCRIPT_DIR/rusage.c" 2>"$TMP/cc.log" || { cat "$TMP/cc.log" >&2; die "cannot build rusage.c"; }

TREE=$TMP/tree
cp -a "$FIXTURE" "$TREE"
python3 "$SCRIPT_DIR/gen-status.py" "$PACKAGES" "$FIXTURE/var/lib/dpkg/status" "$TREE/var/lib/dpkg/status" ||
    die "gen-status.py failed"
STATUS_BYTES=$(stat -c %s "$TREE/var/lib/dpkg/status")
DPKG_COUNT=$(dpkg-query --admindir="$TREE/var/lib/dpkg" -W 2>"$TMP/dpkg-query.err" | wc -l)
[[ -s $TMP/dpkg-query.err ]] && { cat "$TMP/dpkg-query.err" >&2; die "dpkg-query complains about the generated status file"; }
(( DPKG_COUNT == PACKAGES )) || die "dpkg-query sees $DPKG_COUNT packages in the generated status file, expected $PACKAGES"
WARD_COUNT=$("$WARD" inventory --root "$TREE" --json 2>"$TMP/inv.err" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["sections"]["packages"]["count"])') ||
    { cat "$TMP/inv.err" >&2; die "ward inventory --root TREE failed"; }
(( WARD_COUNT == PACKAGES )) || die "ward inventory sees $WARD_COUNT packages in the generated status file, expected $PACKAGES"
ROOT_COUNT=$("$WARD" inventory --root / --json 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["sections"]["packages"]["count"])' 2>/dev/null || echo '?')
log "tree:       $TREE: $PACKAGES packages, status file $STATUS_BYTES bytes (dpkg-query and ward agree)"
log "this host:  $ROOT_COUNT packages"

DATA=$TMP/data
mkdir -m 700 "$DATA"
( umask 077; printf 'bench-%s%s%s\n' "$RANDOM" "$RANDOM" "$RANDOM" >"$TMP/admin-password" )
"$WARD" --data "$DATA" init --admin admin --admin-password-file "$TMP/admin-password" \
    >"$TMP/init.log" 2>&1 </dev/null || { cat "$TMP/init.log" >&2; die "ward init failed"; }
SERVER_LOG=$TMP/server.log
"$WARD" --data "$DATA" serve --listen 127.0.0.1:0 --access-log off >"$TMP/server.stdout" 2>"$SERVER_LOG" </dev/null &
WARD_PID=$!
wait_listening "$SERVER_LOG" "$WARD_PID"
URL=$LISTEN_URL
log "server:     $URL (pid $WARD_PID)"
"$WARD" --data "$DATA" host enroll-token --uses $(( 2 * RUNS + 4 )) --expires 24h >"$TMP/token.out" 2>&1 </dev/null ||
    { cat "$TMP/token.out" >&2; die "ward host enroll-token failed"; }
TOKEN=$(head -n 1 "$TMP/token.out")
[[ $TOKEN == wardenroll_* ]] || { cat "$TMP/token.out" >&2; die "no enrollment token on the first line of 'ward host enroll-token'"; }

# enroll NAME: a fresh agent state directory, enrolled with the server.
enroll() {
    local name=$1 dir=$TMP/state-$1
    "$WARD" agent enroll --server "$URL" --token "$TOKEN" --state "$dir" --hostname "$name" \
        >"$TMP/enroll-$name.log" 2>&1 </dev/null || { cat "$TMP/enroll-$name.log" >&2; die "ward agent enroll ($name) failed"; }
}

check_server() {
    if ! kill -0 "$WARD_PID" 2>/dev/null; then
        WARD_PID=
        tail -n 20 "$SERVER_LOG" >&2 || true
        die "ward serve died during the benchmark"
    fi
}

CPUS=$(nproc 2>/dev/null || echo '?')
LOAD_START=$(loadavg)

# ---------------------------------------------------------------- measure
declare -A CPU WALL RSS SENT
for t in "${TARGETS[@]}"; do CPU[$t]=; WALL[$t]=; RSS[$t]=; SENT[$t]=; done
FAILURES=()
NOTES=$TMP/notes.log
: >"$NOTES"

# measure TARGET COMMAND...: runs the command under GNU time (peak RSS) and
# the rusage helper (CPU and wall time in microseconds, from the same wait4()
# that GNU time reads); stdout goes to /dev/null, stderr to a file.
measure() {
    local t=$1 r=$2 err=$TMP/$1-$2.err ru=$TMP/$1-$2.ru tv=$TMP/$1-$2.time rc=0 rss cpu wall sent
    shift 2
    /usr/bin/time -v -o "$tv" "$RUSAGE" "$ru" "$@" >/dev/null 2>"$err" </dev/null || rc=$?
    check_server
    if (( rc != 0 )); then
        FAILURES+=("$t run $r: exit status $rc: $(grep -v '^$' "$err" | tail -n 1)")
        return 0
    fi
    rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tv")
    cpu=$(sed -n 's/.* user_us=\([0-9]*\) sys_us=\([0-9]*\) .*/\1 \2/p' "$ru" | awk '{ printf "%.3f", ($1 + $2) / 1000 }')
    wall=$(sed -n 's/.* wall_us=\([0-9]*\) .*/\1/p' "$ru" | awk '{ printf "%.3f", $1 / 1000 }')
    [[ -n $rss && -n $cpu && -n $wall ]] || { cat "$tv" "$ru" >&2; die "cannot read the measurements of $t"; }
    RSS[$t]+="$rss "
    CPU[$t]+="$cpu "
    WALL[$t]+="$wall "
    if [[ $t == root-* || $t == tree-* ]]; then
        if ! grep -q 'report delivered' "$err"; then
            FAILURES+=("$t run $r: the report was not delivered: $(grep -v '^$' "$err" | tail -n 1)")
        fi
        sent=$(sed -n 's/.*report delivered: \([0-9]*\) section(s) sent.*/\1/p' "$err" | tail -n 1)
        SENT[$t]+="${sent:-?} "
        grep -v 'report delivered' "$err" | sed "s/^/$t: /" >>"$NOTES" || true
    else
        sed "s/^/$t: /" "$err" >>"$NOTES" || true
    fi
    log "$(printf 'run %d/%d  %-15s cpu %8s ms  wall %8s ms  rss %7s kB%s' "$r" "$RUNS" "$t" "$cpu" "$wall" "$rss" \
        "${sent:+  (sections sent: $sent)}")"
}

log
log "== warm-up (page cache, one run of each)"
enroll warmup-root
enroll warmup-tree
"$WARD" agent run --once --root / --state "$TMP/state-warmup-root" >/dev/null 2>&1 </dev/null || true
"$WARD" agent run --once --root "$TREE" --state "$TMP/state-warmup-tree" >/dev/null 2>&1 </dev/null || true
"$WARD" inventory --root "$TREE" --json >/dev/null 2>&1 </dev/null || true
dpkg-query --admindir="$TREE/var/lib/dpkg" -W >/dev/null 2>&1 </dev/null || true

log "== measuring ($RUNS runs per target, interleaved)"
for (( r = 1; r <= RUNS; r++ )); do
    enroll "bench-root-$r"
    enroll "bench-tree-$r"
    measure root-first "$r" "$WARD" agent run --once --root / --state "$TMP/state-bench-root-$r"
    measure root-unchanged "$r" "$WARD" agent run --once --root / --state "$TMP/state-bench-root-$r"
    measure tree-first "$r" "$WARD" agent run --once --root "$TREE" --state "$TMP/state-bench-tree-$r"
    measure tree-unchanged "$r" "$WARD" agent run --once --root "$TREE" --state "$TMP/state-bench-tree-$r"
    measure inventory "$r" "$WARD" inventory --root "$TREE" --json
    measure dpkg-query "$r" dpkg-query --admindir="$TREE/var/lib/dpkg" -W
    measure baseline "$r" "$WARD" --version
done
LOAD_END=$(loadavg)

# ---------------------------------------------------------------- results
declare -A MED_CPU MED_WALL MED_RSS MET_RSS MET_CPU
for t in "${TARGETS[@]}"; do
    read -r -a v <<<"${CPU[$t]}";  MED_CPU[$t]=$(median "${v[@]}")
    read -r -a v <<<"${WALL[$t]}"; MED_WALL[$t]=$(median "${v[@]}")
    read -r -a v <<<"${RSS[$t]}";  MED_RSS[$t]=$(median "${v[@]}")
done
for t in "${AGENT_TARGETS[@]}"; do
    MET_RSS[$t]=$(awk -v a="${MED_RSS[$t]}" -v g="$GOAL_RSS_KB" 'BEGIN { print (a == a + 0 && a < g) ? "true" : "false" }')
    MET_CPU[$t]=$(awk -v a="${MED_CPU[$t]}" -v g="$GOAL_CPU_MS" 'BEGIN { print (a == a + 0 && a < g) ? "true" : "false" }')
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }
RATIO_CPU=$(ratio "${MED_CPU[inventory]}" "${MED_CPU[dpkg-query]}")
RATIO_WALL=$(ratio "${MED_WALL[inventory]}" "${MED_WALL[dpkg-query]}")
RATIO_RSS=$(ratio "${MED_RSS[inventory]}" "${MED_RSS[dpkg-query]}")
if grep -qiE 'error|fail|warn|abort|assert' "$SERVER_LOG"; then
    FAILURES+=("the server logged: $(awk 'tolower($0) ~ /error|fail|warn|abort|assert/ { print; exit }' "$SERVER_LOG")")
fi
WARD_VERSION=$("$WARD" --version 2>/dev/null | head -n 1 | sed 's/^ward //' || true)
DPKG_VERSION=$(dpkg-query --version 2>/dev/null | head -n 1 | sed -n 's/.*version \([^ ]*\).*/\1/p' || true)

label() {
    case $1 in
        root-first)     printf 'agent run --once --root / (first report)' ;;
        root-unchanged) printf 'agent run --once --root / (next report)' ;;
        tree-first)     printf 'agent run --once, %d pkgs (first report)' "$PACKAGES" ;;
        tree-unchanged) printf 'agent run --once, %d pkgs (next report)' "$PACKAGES" ;;
        inventory)      printf 'inventory --root TREE --json, %d pkgs' "$PACKAGES" ;;
        dpkg-query)     printf 'dpkg-query -W, same status file (peer)' ;;
        baseline)       printf 'ward --version (floor of any ward process)' ;;
    esac
}

print_table() {
    local t s1 s2 sent
    printf '\nAgent benchmark: %d runs per target, interleaved, medians; %s CPUs\n' "$RUNS" "$CPUS"
    printf 'Ward %s (%s); server %s; this host: %s packages; TREE: %d packages, dpkg status %d bytes; dpkg-query %s\n' \
        "${WARD_VERSION:-?}" "$WARD_SRC" "$URL" "$ROOT_COUNT" "$PACKAGES" "$STATUS_BYTES" "${DPKG_VERSION:-?}"
    printf 'load average (1 min) before: %s, after: %s\n\n' "$LOAD_START" "$LOAD_END"
    printf '%-44s %8s %10s %10s %10s\n' target sections 'CPU ms' 'wall ms' 'RSS MiB'
    for t in "${TARGETS[@]}"; do
        sent=${SENT[$t]% }
        [[ -n $sent ]] && sent=$(tr ' ' '\n' <<<"$sent" | sort -u | paste -sd/ -)
        printf '%-44s %8s %10.1f %10.1f %10.2f\n' "$(label "$t")" "${sent:--}" "${MED_CPU[$t]}" "${MED_WALL[$t]}" \
            "$(awk -v k="${MED_RSS[$t]}" 'BEGIN { print k / 1024 }')"
    done
    printf '\nCPU = user + sys of the process; RSS = GNU time'"'"'s "Maximum resident set size"; "sections" = sections the report carried\n'
    printf 'Ward inventory vs dpkg-query (same %d-package status file): CPU %sx, wall %sx, RSS %sx\n' \
        "$PACKAGES" "$RATIO_CPU" "$RATIO_WALL" "$RATIO_RSS"
    printf '\nper run CPU ms / RSS kB:\n'
    for t in "${TARGETS[@]}"; do
        printf '  %-15s %s / %s\n' "$t" "${CPU[$t]% }" "${RSS[$t]% }"
    done
    printf '\nGoals for agent run --once: RSS under %d MiB, CPU under %d ms\n' $(( GOAL_RSS_KB / 1024 )) "$GOAL_CPU_MS"
    for t in "${AGENT_TARGETS[@]}"; do
        if [[ ${MET_RSS[$t]} == true ]]; then s1=met; else s1='NOT met'; fi
        if [[ ${MET_CPU[$t]} == true ]]; then s2=met; else s2='NOT met'; fi
        printf '  %-44s RSS %-7s (%.2f MiB)   CPU %-7s (%.1f ms)\n' "$(label "$t")" "$s1" \
            "$(awk -v k="${MED_RSS[$t]}" 'BEGIN { print k / 1024 }')" "$s2" "${MED_CPU[$t]}"
    done
    printf '\n'
    if (( ${#FAILURES[@]} > 0 )); then
        printf 'FAILURES:\n'
        printf '  %s\n' "${FAILURES[@]}"
    else
        printf 'errors: none (every report delivered, every command exited 0)\n'
    fi
    if [[ -s $NOTES ]]; then
        printf 'stderr of the measured commands (count, line):\n'
        sort "$NOTES" | uniq -c | sort -rn | awk 'NR <= 8 { print "  " substr($0, 1, 160) }'
    fi
}


print_json() {
    local t first=1 f
    printf '{\n  "benchmark": "agent",\n  "runs": %d,\n  "packages": %d,\n  "status_bytes": %d,\n' \
        "$RUNS" "$PACKAGES" "$STATUS_BYTES"
    printf '  "cpus": "%s",\n  "loadavg_before": "%s",\n  "loadavg_after": "%s",\n' "$CPUS" "$LOAD_START" "$LOAD_END"
    printf '  "goal_rss_kb": %d,\n  "goal_cpu_ms": %d,\n  "targets": {\n' "$GOAL_RSS_KB" "$GOAL_CPU_MS"
    for t in "${TARGETS[@]}"; do
        (( first )) || printf ',\n'
        first=0
        printf '    "%s": {"cpu_ms": %s, "wall_ms": %s, "rss_kb": %s, "cpu_ms_median": %s, "wall_ms_median": %s, "rss_kb_median": %s' \
            "$t" "$(json_list "${CPU[$t]}")" "$(json_list "${WALL[$t]}")" "$(json_list "${RSS[$t]}")" \
            "${MED_CPU[$t]}" "${MED_WALL[$t]}" "${MED_RSS[$t]}"
        if [[ -n ${MET_RSS[$t]:-} ]]; then
            printf ', "sections_sent": %s, "rss_goal_met": %s, "cpu_goal_met": %s' \
                "$(json_list "${SENT[$t]//\?/null}")" "${MET_RSS[$t]}" "${MET_CPU[$t]}"
        fi
        printf '}'
    done
    printf '\n  },\n  "inventory_vs_dpkg_query": {"cpu": %s, "wall": %s, "rss": %s},\n' "$RATIO_CPU" "$RATIO_WALL" "$RATIO_RSS"
    json_failures
}

finish_output
